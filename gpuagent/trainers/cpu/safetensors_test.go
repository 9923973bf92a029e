package cpu

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	in := []namedTensor{
		{Name: "a.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}},
		{Name: "b", Shape: []int{}, Data: []float32{-0.5}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float32{}},
	}
	b, err := encodeSafetensors(in, map[string]string{"format": ModelFormat})
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	if (8+n)%8 != 0 {
		t.Errorf("header length %d leaves the data unaligned", n)
	}
	out, meta, err := decodeSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != ModelFormat {
		t.Errorf("metadata %v", meta)
	}
	for _, want := range in {
		got := out[want.Name]
		if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Data, want.Data) {
			t.Errorf("%s: got %+v, want %+v", want.Name, got, want)
		}
	}
}

// TestSafetensorsSpecFile reads a file laid out by hand from the format's
// description, as another tool would write it (tensors out of name order,
// no padding, no metadata).
func TestSafetensorsSpecFile(t *testing.T) {
	header := `{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	for _, v := range []float32{7, 1.5, -2} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	ts, _, err := decodeSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ts["z"].Data, []float32{7}) || !slices.Equal(ts["a"].Data, []float32{1.5, -2}) {
		t.Errorf("read %+v", ts)
	}
}

func TestSafetensorsRejects(t *testing.T) {
	file := func(header string, data int) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		return append(append(b, header...), make([]byte, data)...)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte{1, 2}, "too short"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 1000), "does not fit"},
		{"bad json", file(`{`, 0), "header"},
		{"f16", file(`{"x":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 2), "only F32"},
		{"offsets past data", file(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), "do not fit"},
		{"shape/offsets mismatch", file(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 12), "do not fit"},
		{"negative dim", file(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "shape"},
		{"overlap", file(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "overlap"},
	} {
		if _, _, err := decodeSafetensors(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func FuzzDecodeSafetensors(f *testing.F) {
	good, _ := encodeSafetensors([]namedTensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}, nil)
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := decodeSafetensors(b)
		if err != nil {
			return
		}
		for name, v := range ts {
			n := 1
			for _, d := range v.Shape {
				n *= d
			}
			if n != len(v.Data) {
				t.Fatalf("%s: shape %v but %d values", name, v.Shape, len(v.Data))
			}
		}
	})
}
