package cpu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user + system) this process has used: on a
// machine shared with other work it measures cost where wall time cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTrainStep measures one forward + backward + Adam step on a batch
// of 8 random images, per input size and width.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct{ size, width int }{{64, 8}, {64, 16}, {128, 8}, {128, 16}, {256, 8}} {
		b.Run(fmt.Sprintf("size%d_width%d", c.size, c.width), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			p := newPool(context.Background(), 0)
			m := newUNet(Arch{Name: "unet", InChannels: 3, Classes: 2, Width: c.width, Depth: 3})
			m.init(rng)
			opt := newAdam(m.params)
			const batch = 8
			x := randTensor(rng, 3, batch, c.size, c.size)
			labels := make([]uint8, x.pixels())
			for i := range labels {
				labels[i] = uint8(rng.IntN(2))
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				var tr trace
				logits := m.forward(p, x, &tr)
				grad := newTensor(logits.C, logits.N, logits.H, logits.W)
				softmaxCE(p, logits, labels, grad, nil)
				m.zeroGrad()
				m.backward(p, &tr, grad)
				m.updateStats(&tr)
				opt.step(m.params, 1e-3)
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(batch*b.N), "cpu-ms/img")
			b.ReportMetric(float64(m.numWeights()), "weights")
		})
	}
}
