package model

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
)

// benchModel is the default configuration with one small dense slot, the shape a rank call
// scores candidates with.
func benchModel(b *testing.B) *Model {
	b.Helper()
	c := DefaultConfig()
	c.DenseDims = []int{16}
	m, err := New(c)
	require.NoError(b, err)
	return m
}

func benchItem(r *rand.Rand) *data.Item {
	return &data.Item{ID: "item-1", Text: "The Big Lebowski (1998), a comedy by the Coen brothers",
		Attrs: []data.Attr{{Field: "genre", Value: "Comedy"}, {Field: "year", Value: "1990s"}},
		Dense: [][]float32{randomVector(r, 16, 1)}}
}

func BenchmarkEventVector(b *testing.B) {
	m := benchModel(b)
	enc := NewEncoder(m)
	it := benchItem(rand.New(rand.NewPCG(1, 2)))
	s := make([]float32, m.Dim())
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.EventVector(s, "coen brothers comedy", data.Search, it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGSUQueries(b *testing.B) {
	m := benchModel(b)
	r := rand.New(rand.NewPCG(1, 2))
	t := randomVector(r, m.Dim(), 1)
	gq := make([]float32, m.cfg.Heads*m.Dim())
	b.ReportAllocs()
	for b.Loop() {
		if err := m.GSUQueries(gq, t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreSelected runs the ESU and MLP over n selected events: rows 0..n−1 of a history
// of n (how retrieval calls it), or every 7th row of a longer history.
func BenchmarkScoreSelected(b *testing.B) {
	m := benchModel(b)
	for _, n := range []int{64, 256} {
		for _, stride := range []int{1, 7} {
			name := "n=" + strconv.Itoa(n) + "/contiguous"
			if stride > 1 {
				name = "n=" + strconv.Itoa(n) + "/stride=" + strconv.Itoa(stride)
			}
			b.Run(name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(uint64(n), uint64(stride)))
				hist := randomHistory(b, m, r, n*stride)
				idx := make([]int32, n)
				for i := range idx {
					idx[i] = int32(i * stride)
				}
				t := randomVector(r, m.Dim(), 1)
				sc := NewScorer(m)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := sc.ScoreSelected(hist, t, idx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkScoreL10000(b *testing.B) {
	m := benchModel(b)
	r := rand.New(rand.NewPCG(1, 2))
	hist := randomHistory(b, m, r, 10000)
	sc := NewScorer(m)
	cand := benchItem(r)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.Score(hist, "coen brothers comedy", data.Search, cand); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreSpans scores 8 targets over 64 consecutive events each in one call, as a rank
// call scores a chunk of candidates; compare its time per target with BenchmarkScoreSelected's
// n=64/contiguous.
func BenchmarkScoreSpans(b *testing.B) {
	m := benchModel(b)
	const n, k = 8, 64
	r := rand.New(rand.NewPCG(3, 4))
	hist := randomHistory(b, m, r, n*k)
	ends := make([]int32, n)
	for i := range ends {
		ends[i] = int32((i + 1) * k)
	}
	ages := make([]int32, n*k)
	for i := range ages {
		ages[i] = int32(n*k - 1 - i)
	}
	targets := randomVector(r, n*m.Dim(), 1)
	dst := make([]float32, n)
	sc := NewScorer(m)
	b.ReportAllocs()
	for b.Loop() {
		if err := sc.ScoreSpans(dst, hist, targets, ends, ages); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/target")
}
