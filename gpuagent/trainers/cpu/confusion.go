package cpu

import "math"

// confusion counts pixels by true class (row) and predicted class (column),
// both as output slots; unlabelled pixels are never added.
type confusion struct {
	k int
	m []int64 // m[truth·k + pred]
}

func newConfusion(k int) *confusion { return &confusion{k: k, m: make([]int64, k*k)} }

func (c *confusion) add(truth, pred int) { c.m[truth*c.k+pred]++ }

func (c *confusion) merge(o *confusion) {
	for i, v := range o.m {
		c.m[i] += v
	}
}

// iou is the intersection over union of class i over everything counted:
// TP / (TP + FP + FN). ok is false when the class is in neither the truth
// nor the prediction, where IoU is undefined.
func (c *confusion) iou(i int) (v float64, ok bool) {
	tp := c.m[i*c.k+i]
	var row, col int64
	for j := 0; j < c.k; j++ {
		row += c.m[i*c.k+j]
		col += c.m[j*c.k+i]
	}
	union := row + col - tp
	if union == 0 {
		return math.NaN(), false
	}
	return float64(tp) / float64(union), true
}

// meanIoU averages iou over the classes present in truth or prediction
// (NaN when nothing was counted).
func (c *confusion) meanIoU() float64 {
	var s float64
	n := 0
	for i := 0; i < c.k; i++ {
		if v, ok := c.iou(i); ok {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// accuracy is the fraction of counted pixels predicted right.
func (c *confusion) accuracy() float64 {
	var right, all int64
	for i := 0; i < c.k; i++ {
		right += c.m[i*c.k+i]
		for j := 0; j < c.k; j++ {
			all += c.m[i*c.k+j]
		}
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(right) / float64(all)
}

// rows returns the matrix as rows (truth) of columns (prediction).
func (c *confusion) rows() [][]int64 {
	out := make([][]int64, c.k)
	for i := range out {
		out[i] = append([]int64(nil), c.m[i*c.k:(i+1)*c.k]...)
	}
	return out
}
