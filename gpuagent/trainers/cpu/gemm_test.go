package cpu

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkGemmNT is the shape of a 3×3 convolution 32 → 32 channels over
// one 64-pixel chunk.
func BenchmarkGemmNT(b *testing.B) {
	const m, n, k = 32, 64, 288
	rng := rand.New(rand.NewPCG(1, 1))
	a := make([]float32, m*k)
	bb := make([]float32, n*k)
	c := make([]float32, m*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range bb {
		bb[i] = float32(rng.NormFloat64())
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		gemmNT(c, n, a, k, bb, k, m, n, k)
	}
	b.ReportMetric(float64(2*m*n*k*b.N)/(cpuTime()-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
}
