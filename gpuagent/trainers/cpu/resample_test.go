package cpu

import (
	"context"
	"math"
	"testing"
)

func TestResamplePlane(t *testing.T) {
	// 4×2 → 2×1 averages 2×2 blocks.
	in := []float32{1, 3, 5, 7, 3, 5, 7, 9}
	got := resamplePlane(in, 4, 2, 2, 1)
	if got[0] != 3 || got[1] != 7 {
		t.Errorf("area 2×: %v", got)
	}
	// A constant stays constant at any size, shrinking or growing.
	c := make([]float32, 7*5)
	for i := range c {
		c[i] = 0.25
	}
	for _, sz := range [][2]int{{3, 2}, {7, 5}, {16, 11}, {1, 1}} {
		for _, v := range resamplePlane(c, 7, 5, sz[0], sz[1]) {
			if math.Abs(float64(v)-0.25) > 1e-6 {
				t.Fatalf("%v: constant became %v", sz, v)
			}
		}
	}
	// 3 → 2 area weights keep the mean.
	row := []float32{0, 3, 6}
	got = resamplePlane(row, 3, 1, 2, 1)
	if math.Abs(float64(got[0]+got[1])/2-3) > 1e-6 {
		t.Errorf("3→2: %v", got)
	}
	// Growing interpolates linearly between centres: 2 → 4.
	got = resamplePlane([]float32{0, 4}, 2, 1, 4, 1)
	want := []float32{0, 1, 3, 4}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("2→4: %v, want %v", got, want)
		}
	}
}

func TestResampleLabels(t *testing.T) {
	in := []uint8{1, 2, 3, 4}
	if got := resampleLabels(in, 2, 2, 4, 4); got[0] != 1 || got[3] != 2 || got[15] != 4 || got[12] != 3 {
		t.Errorf("2×2 → 4×4: %v", got)
	}
	if got := resampleLabels(in, 2, 2, 1, 1); len(got) != 1 {
		t.Errorf("→ 1×1: %v", got)
	}
}

func TestUpsampleArgmax(t *testing.T) {
	// Two classes on a 2×1 map: class 1 wins on the right.
	logits := []float32{1, 0, 0, 1} // class 0: [1, 0], class 1: [0, 1]
	out := make([]uint8, 6)
	upsampleArgmax(newPool(context.Background(), 2), logits, 2, 2, 1, 2, 2, 6, 1, out)
	want := []uint8{0, 0, 0, 1, 1, 1}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("got %v, want %v", out, want)
		}
	}
}

func TestConfusion(t *testing.T) {
	c := newConfusion(3)
	for _, p := range [][2]int{{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 0}} {
		c.add(p[0], p[1])
	}
	if v, ok := c.iou(0); !ok || math.Abs(v-0.5) > 1e-12 { // tp 2, fp 1, fn 1
		t.Errorf("iou(0) = %v", v)
	}
	if v, ok := c.iou(1); !ok || math.Abs(v-1.0/3) > 1e-12 {
		t.Errorf("iou(1) = %v", v)
	}
	if _, ok := c.iou(2); ok {
		t.Error("class 2 is in neither truth nor prediction")
	}
	if v := c.meanIoU(); math.Abs(v-(0.5+1.0/3)/2) > 1e-12 {
		t.Errorf("mean %v", v)
	}
	if v := c.accuracy(); math.Abs(v-0.6) > 1e-12 {
		t.Errorf("accuracy %v", v)
	}
}
