package cpu

// tensor is a batch of feature maps stored channel-major, [C][N][H][W]: each
// channel is one contiguous plane over the whole batch, so a convolution is
// one matrix product over all N·H·W pixels and concatenating channels is
// putting planes side by side.
type tensor struct {
	C, N, H, W int
	D          []float32
}

func newTensor(c, n, h, w int) *tensor {
	return &tensor{C: c, N: n, H: h, W: w, D: make([]float32, c*n*h*w)}
}

// pixels is the length of one channel plane (N·H·W).
func (t *tensor) pixels() int { return t.N * t.H * t.W }

// channel is the plane of channel c.
func (t *tensor) channel(c int) []float32 {
	p := t.pixels()
	return t.D[c*p : (c+1)*p]
}

// convChunk is the number of output pixels one work item of a convolution
// covers; its patch matrix (convChunk × Cin·k·k floats) stays in L2 cache.
const convChunk = 64

// gradGroups is the fixed number of partial sums a weight gradient (and the
// loss) is split into. It does not depend on the number of cores, so a seed
// gives the same weights on any machine.
const gradGroups = 16

// convForward computes y = conv(x, w) + b for a k×k kernel (k odd),
// stride 1 and zero padding k/2, so y has x's height and width. w is
// [cout][cin·k·k], index ci·k·k + ky·k + kx (PyTorch's [out][in][ky][kx]);
// b may be nil.
func convForward(p *pool, x *tensor, w, b []float32, cout, k int) *tensor {
	kk := x.C * k * k
	y := newTensor(cout, x.N, x.H, x.W)
	np := x.pixels()
	scratch := make([][]float32, p.workers)
	p.run((np+convChunk-1)/convChunk, func(worker, item int) {
		if scratch[worker] == nil {
			scratch[worker] = make([]float32, convChunk*kk)
		}
		p0 := item * convChunk
		p1 := min(p0+convChunk, np)
		n := p1 - p0
		rows := scratch[worker][:n*kk]
		im2row(x, k, p0, p1, rows)
		for co := 0; co < cout; co++ {
			o := y.D[co*np+p0 : co*np+p1]
			bias := float32(0)
			if b != nil {
				bias = b[co]
			}
			for j := range o {
				o[j] = bias
			}
		}
		gemmNT(y.D[p0:], np, w, kk, rows, kk, cout, n, kk)
	})
	return y
}

// convBackward takes dy, the loss gradient at y = convForward(x, w, b, …),
// adds the weight and bias gradients to gw and gb (gb may be nil), and
// returns the gradient at x (nil unless needDx).
func convBackward(p *pool, x, dy *tensor, w []float32, cout, k int, gw, gb []float32, needDx bool) *tensor {
	np := x.pixels()
	kk := x.C * k * k
	chunks := (np + convChunk - 1) / convChunk
	groups := min(gradGroups, chunks)
	stride := cout*kk + cout
	part := make([]float32, groups*stride)
	scratch := make([][]float32, p.workers)
	p.run(groups, func(worker, g int) {
		if scratch[worker] == nil {
			scratch[worker] = make([]float32, convChunk*kk)
		}
		pw := part[g*stride : g*stride+cout*kk]
		pb := part[g*stride+cout*kk : (g+1)*stride]
		for c := g * chunks / groups; c < (g+1)*chunks/groups; c++ {
			p0 := c * convChunk
			p1 := min(p0+convChunk, np)
			n := p1 - p0
			cols := scratch[worker][:n*kk]
			im2col(x, k, p0, p1, cols)
			gemmNT(pw, kk, dy.D[p0:], np, cols, n, cout, kk, n)
			for co := 0; co < cout; co++ {
				var s float32
				for _, v := range dy.D[co*np+p0 : co*np+p1] {
					s += v
				}
				pb[co] += s
			}
		}
	})
	for g := 0; g < groups; g++ {
		pw := part[g*stride : g*stride+cout*kk]
		for i, v := range pw {
			gw[i] += v
		}
		if gb != nil {
			for i, v := range part[g*stride+cout*kk : (g+1)*stride] {
				gb[i] += v
			}
		}
	}
	if !needDx {
		return nil
	}
	// The gradient at x is the convolution of dy with the kernel turned by
	// 180° and its in/out axes swapped.
	cin := x.C
	wt := make([]float32, len(w))
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					wt[ci*cout*k*k+co*k*k+(k-1-ky)*k+(k-1-kx)] = w[co*kk+ci*k*k+ky*k+kx]
				}
			}
		}
	}
	return convForward(p, dy, wt, nil, cin, k)
}

// im2row writes, for each pixel q in [p0, p1), its k×k×C neighbourhood in x
// as one row of rows (zero outside the image): rows[(q-p0)·kk + ci·k·k + ky·k + kx].
func im2row(x *tensor, k, p0, p1 int, rows []float32) {
	kk := x.C * k * k
	hw := x.H * x.W
	np := x.pixels()
	pad := k / 2
	for q := p0; q < p1; q++ {
		row := rows[(q-p0)*kk : (q-p0+1)*kk]
		n, r := q/hw, q%hw
		py, px := r/x.W, r%x.W
		if k == 3 && py >= 1 && py < x.H-1 && px >= 1 && px < x.W-1 {
			// Interior pixel: three runs of three per channel.
			off := n*hw + (py-1)*x.W + px - 1
			for ci := 0; ci < x.C; ci++ {
				s := x.D[ci*np+off : ci*np+off+2*x.W+3]
				d := row[ci*9 : ci*9+9]
				d[0], d[1], d[2] = s[0], s[1], s[2]
				s = s[x.W:]
				d[3], d[4], d[5] = s[0], s[1], s[2]
				s = s[x.W:]
				d[6], d[7], d[8] = s[0], s[1], s[2]
			}
			continue
		}
		i := 0
		for ci := 0; ci < x.C; ci++ {
			plane := x.D[ci*np+n*hw : ci*np+(n+1)*hw]
			for ky := 0; ky < k; ky++ {
				sy := py + ky - pad
				for kx := 0; kx < k; kx++ {
					sx := px + kx - pad
					if sy < 0 || sy >= x.H || sx < 0 || sx >= x.W {
						row[i] = 0
					} else {
						row[i] = plane[sy*x.W+sx]
					}
					i++
				}
			}
		}
	}
}

// im2col is im2row transposed: cols[r·n + (q-p0)] with n = p1-p0, so that
// each kernel tap r is a contiguous row over the pixels. Pixels are taken a
// run of one image row at a time, so each tap of a run is one copy.
func im2col(x *tensor, k, p0, p1 int, cols []float32) {
	n := p1 - p0
	hw := x.H * x.W
	np := x.pixels()
	pad := k / 2
	for q := p0; q < p1; {
		b, rem := q/hw, q%hw
		py, px0 := rem/x.W, rem%x.W
		run := min(x.W-px0, p1-q) // pixels left in this image row
		j0 := q - p0
		r := 0
		for ci := 0; ci < x.C; ci++ {
			plane := x.D[ci*np+b*hw : ci*np+(b+1)*hw]
			for ky := 0; ky < k; ky++ {
				sy := py + ky - pad
				for kx := 0; kx < k; kx++ {
					dst := cols[r*n+j0 : r*n+j0+run]
					r++
					if sy < 0 || sy >= x.H {
						clear(dst)
						continue
					}
					line := plane[sy*x.W : (sy+1)*x.W]
					// source columns px0+dx … px0+dx+run-1, zero outside [0, W)
					dx := kx - pad
					lo := max(0, -(px0 + dx))    // first j with a source column ≥ 0
					hi := min(run, x.W-(px0+dx)) // first j with a source column ≥ W
					clear(dst[:lo])
					if hi > lo {
						copy(dst[lo:hi], line[px0+dx+lo:px0+dx+hi])
					}
					if hi < run {
						clear(dst[max(hi, lo):])
					}
				}
			}
		}
		q += run
	}
}

// maxPool2 halves height and width with 2×2 max pooling (both must be
// even). arg records which of the four inputs won, for the backward pass.
func maxPool2(p *pool, x *tensor) (y *tensor, arg []uint8) {
	y = newTensor(x.C, x.N, x.H/2, x.W/2)
	arg = make([]uint8, len(y.D))
	oh, ow := y.H, y.W
	p.run(x.C*x.N, func(_, item int) {
		src := x.D[item*x.H*x.W : (item+1)*x.H*x.W]
		dst := y.D[item*oh*ow : (item+1)*oh*ow]
		am := arg[item*oh*ow : (item+1)*oh*ow]
		for oy := 0; oy < oh; oy++ {
			r0 := src[2*oy*x.W : (2*oy+1)*x.W]
			r1 := src[(2*oy+1)*x.W : (2*oy+2)*x.W]
			for ox := 0; ox < ow; ox++ {
				best, which := r0[2*ox], uint8(0)
				if v := r0[2*ox+1]; v > best {
					best, which = v, 1
				}
				if v := r1[2*ox]; v > best {
					best, which = v, 2
				}
				if v := r1[2*ox+1]; v > best {
					best, which = v, 3
				}
				dst[oy*ow+ox] = best
				am[oy*ow+ox] = which
			}
		}
	})
	return y, arg
}

// maxPool2Backward routes dy to the inputs that won the pooling, giving the
// gradient at the pooled tensor's input (h×w planes).
func maxPool2Backward(p *pool, dy *tensor, arg []uint8, h, w int) *tensor {
	dx := newTensor(dy.C, dy.N, h, w)
	oh, ow := dy.H, dy.W
	p.run(dy.C*dy.N, func(_, item int) {
		src := dy.D[item*oh*ow : (item+1)*oh*ow]
		am := arg[item*oh*ow : (item+1)*oh*ow]
		dst := dx.D[item*h*w : (item+1)*h*w]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				a := int(am[oy*ow+ox])
				dst[(2*oy+a/2)*w+2*ox+a%2] = src[oy*ow+ox]
			}
		}
	})
	return dx
}

// upsample2Into writes src, doubled in height and width by repeating each
// pixel 2×2, into channels [c0, c0+src.C) of dst.
func upsample2Into(p *pool, dst *tensor, c0 int, src *tensor) {
	h, w := src.H, src.W
	dw := dst.W
	p.run(src.C*src.N, func(_, item int) {
		c, n := item/src.N, item%src.N
		in := src.D[item*h*w : (item+1)*h*w]
		off := (c0+c)*dst.pixels() + n*dst.H*dw
		out := dst.D[off : off+dst.H*dw]
		for y := 0; y < h; y++ {
			r0 := out[2*y*dw : (2*y+1)*dw]
			r1 := out[(2*y+1)*dw : (2*y+2)*dw]
			for x, v := range in[y*w : (y+1)*w] {
				r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1] = v, v, v, v
			}
		}
	})
}

// upsample2Backward sums each 2×2 block of channels [c0, c0+c) of d: the
// gradient at the input of upsample2Into.
func upsample2Backward(p *pool, d *tensor, c0, c int) *tensor {
	h, w := d.H/2, d.W/2
	dx := newTensor(c, d.N, h, w)
	dw := d.W
	p.run(c*d.N, func(_, item int) {
		ch, n := item/d.N, item%d.N
		off := (c0+ch)*d.pixels() + n*d.H*dw
		in := d.D[off : off+d.H*dw]
		out := dx.D[item*h*w : (item+1)*h*w]
		for y := 0; y < h; y++ {
			r0 := in[2*y*dw : (2*y+1)*dw]
			r1 := in[(2*y+1)*dw : (2*y+2)*dw]
			o := out[y*w : (y+1)*w]
			for x := range o {
				o[x] = r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1]
			}
		}
	})
	return dx
}
