package model

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
)

// smallConfig is a quick model with two dense slots and small tables.
func smallConfig() Config {
	return Config{
		Dim: 16, Heads: 4, TopK: 8,
		IDBuckets: 97, TokenBuckets: 211, AttrBuckets: 31,
		DenseDims:  []int{5, 3},
		MLPHidden:  []int{12, 6},
		AgeBuckets: 5,
		Seed:       7,
	}
}

// newTestModel returns a model whose gates, α, projections and age biases are random too, so that tests see
// every parameter at work.
func newTestModel(t testing.TB, c Config) *Model {
	t.Helper()
	m, err := New(c)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(c.Seed, 99))
	for i := range m.Params.GateLogits {
		m.Params.GateLogits[i] = float32(r.NormFloat64())
	}
	m.Params.AlphaLogit[0] = 0.3
	for i := range m.Params.Proj {
		m.Params.Proj[i] += float32(0.1 * r.NormFloat64())
	}
	for _, b := range m.Params.MLPB {
		for i := range b {
			b[i] = float32(0.1 * r.NormFloat64())
		}
	}
	for i := range m.Params.ESUAge {
		m.Params.ESUAge[i] = float32(r.NormFloat64())
	}
	return m
}

var testWords = []string{"red", "Blue", "shoe", "CAFÉ", "naïve", "2024", "straße", "नमस्ते", "东京", "jazz"}

func randomText(r *rand.Rand, words int) string {
	s := ""
	for i := range words {
		if i > 0 {
			s += []string{" ", ", ", "-", "! "}[r.IntN(4)]
		}
		s += testWords[r.IntN(len(testWords))]
	}
	return s
}

func randomItem(r *rand.Rand, c Config) *data.Item {
	it := &data.Item{ID: "item-" + string(rune('a'+r.IntN(26))) + string(rune('a'+r.IntN(26)))}
	it.Text = randomText(r, 1+r.IntN(5))
	for range r.IntN(3) {
		it.Attrs = append(it.Attrs, data.Attr{Field: "genre", Value: testWords[r.IntN(len(testWords))]})
	}
	for _, w := range c.DenseDims {
		if r.IntN(3) == 0 {
			it.Dense = append(it.Dense, nil)
			continue
		}
		it.Dense = append(it.Dense, randomVector(r, w, 1))
	}
	return it
}

func randomVector(r *rand.Rand, n int, std float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(std * r.NormFloat64())
	}
	return v
}

func randomHistory(t testing.TB, m *Model, r *rand.Rand, n int) *History {
	t.Helper()
	h, err := WrapHistory(m.Dim(), randomVector(r, n*m.Dim(), 1))
	require.NoError(t, err)
	return h
}

// Reference computations in float64, written from the formulas rather than the fast paths.

func matVec64(w []float32, rows, cols int, x []float64) []float64 {
	y := make([]float64, rows)
	for i := range rows {
		for j := range cols {
			y[i] += float64(w[i*cols+j]) * x[j]
		}
	}
	return y
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func requireClose(t *testing.T, want []float64, got []float32, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		require.InDelta(t, want[i], float64(got[i]), tol, "%s [%d]", msg, i)
	}
}
