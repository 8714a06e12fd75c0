package pq

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// gaussian returns n row-major vectors of width dim with independent N(0, scale_t²)
// components, where scale_t falls from 1 to 0.25 across dimensions so that sub-spaces differ.
func gaussian(rng *rand.Rand, n, dim int) []float32 {
	out := make([]float32, n*dim)
	for i := range n {
		for t := range dim {
			scale := 1 - 0.75*float64(t)/float64(dim)
			out[i*dim+t] = float32(rng.NormFloat64() * scale)
		}
	}
	return out
}

// planted returns k well-separated centres (uniform in [-50, 50]^dim) and n points, point i
// drawn around centre i mod k with N(0, 0.1²) noise per component.
func planted(rng *rand.Rand, n, dim, k int) (centres, points []float32) {
	centres = make([]float32, k*dim)
	for i := range centres {
		centres[i] = float32(rng.Float64()*100 - 50)
	}
	points = make([]float32, n*dim)
	for i := range n {
		c := i % k
		for t := range dim {
			points[i*dim+t] = centres[c*dim+t] + float32(rng.NormFloat64()*0.1)
		}
	}
	return centres, points
}

func sqDist64(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// clusterSizes assigns every point to its nearest centroid and counts the points per cluster.
func clusterSizes(data []float32, dim int, centroids []float32) []int {
	k := len(centroids) / dim
	sizes := make([]int, k)
	for i := 0; i < len(data)/dim; i++ {
		j, _ := nearest(data[i*dim:(i+1)*dim], centroids, k)
		sizes[j]++
	}
	return sizes
}

// randomCodebook makes a codebook with N(0, 1) centroids, for tests and benchmarks that need
// no training.
func randomCodebook(tb testing.TB, rng *rand.Rand, dim, m, bits int) *Codebook {
	tb.Helper()
	cb, err := NewCodebook(dim, m, bits, gaussian(rng, 1<<bits, dim))
	require.NoError(tb, err)
	return cb
}

// randomMulti makes a multi-codebook of random codebooks, one per name.
func randomMulti(tb testing.TB, rng *rand.Rand, names []string, dim, m, bits int) *MultiCodebook {
	tb.Helper()
	books := make([]*Codebook, len(names))
	for p := range books {
		books[p] = randomCodebook(tb, rng, dim, m, bits)
	}
	mc, err := NewMultiCodebook(names, books)
	require.NoError(tb, err)
	return mc
}

// randomCodes returns m codes below k.
func randomCodes(rng *rand.Rand, m, k int) []byte {
	codes := make([]byte, m)
	for i := range codes {
		codes[i] = byte(rng.IntN(k))
	}
	return codes
}
