package model

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScoreSpansEqualsScoreSelected(t *testing.T) {
	def := DefaultConfig()
	def.IDBuckets, def.TokenBuckets, def.AttrBuckets = 1<<10, 1<<10, 1<<8
	tests := []struct {
		name  string
		cfg   Config
		spans []int
	}{
		{"one target", smallConfig(), []int{7}},
		{"empty spans", smallConfig(), []int{0, 5, 0, 0, 3}},
		{"four targets", smallConfig(), []int{1, 8, 32, 2}},
		{"nine targets", smallConfig(), []int{4, 4, 9, 1, 30, 2, 2, 17, 5}},
		{"default model", def, []int{64, 100, 70, 64, 120, 90, 64, 81}},
		{"default model, odd batch", def, []int{64, 0, 77}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, tt.cfg)
			r := rand.New(rand.NewPCG(31, uint64(len(tt.spans))))
			d := m.Dim()
			total := 0
			ends := make([]int32, len(tt.spans))
			for i, k := range tt.spans {
				total += k
				ends[i] = int32(total)
			}
			hist := randomHistory(t, m, r, total)
			targets := randomVector(r, len(tt.spans)*d, 1)
			ages := make([]int32, total)
			for r := range ages {
				ages[r] = int32(total - 1 - r)
			}
			sc := NewScorer(m)
			got := make([]float32, len(tt.spans))
			require.NoError(t, sc.ScoreSpans(got, hist, targets, ends, ages))
			start := 0
			for i, e := range ends {
				idx := make([]int32, int(e)-start)
				for k := range idx {
					idx[k] = int32(start + k)
				}
				start = int(e)
				want, err := NewScorer(m).ScoreSelected(hist, targets[i*d:(i+1)*d], idx)
				require.NoError(t, err)
				assert.Equal(t, want, got[i], "target %d", i)
			}
		})
	}
}

func TestScoreSpansErrors(t *testing.T) {
	m := newTestModel(t, smallConfig())
	sc := NewScorer(m)
	d := m.Dim()
	hist := randomHistory(t, m, rand.New(rand.NewPCG(2, 2)), 10)
	ages10 := []int32{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
	tests := []struct {
		name    string
		dst     []float32
		hist    *History
		targets []float32
		ends    []int32
		ages    []int32
		errMsg  string
	}{
		{"nil history", make([]float32, 1), nil, make([]float32, d), []int32{1}, nil, "nil history"},
		{"short targets", make([]float32, 2), hist, make([]float32, d), []int32{1, 2}, ages10, "target matrix has length 16, want 32"},
		{"missing ends", make([]float32, 2), hist, make([]float32, 2*d), []int32{1}, ages10, "span ends has length 1, want 2"},
		{"decreasing ends", make([]float32, 2), hist, make([]float32, 2*d), []int32{5, 3}, ages10, "span end 3 before 5"},
		{"end past history", make([]float32, 1), hist, make([]float32, d), []int32{11}, ages10, "past a history of 10"},
		{"missing ages", make([]float32, 1), hist, make([]float32, d), []int32{4}, ages10[:9], "event ages has length 9, want 10"},
		{"negative age", make([]float32, 1), hist, make([]float32, d), []int32{4}, []int32{9, 8, 7, 6, 5, 4, 3, 2, 1, -1}, "negative event age -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sc.ScoreSpans(tt.dst, tt.hist, tt.targets, tt.ends, tt.ages)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
		})
	}
}

func TestScoreSpansZeroAllocs(t *testing.T) {
	m := newTestModel(t, DefaultConfig())
	r := rand.New(rand.NewPCG(5, 6))
	hist := randomHistory(t, m, r, 8*64)
	ends := make([]int32, 8)
	for i := range ends {
		ends[i] = int32((i + 1) * 64)
	}
	targets := randomVector(r, 8*m.Dim(), 1)
	ages := make([]int32, 8*64)
	for r := range ages {
		ages[r] = int32(3 * r)
	}
	dst := make([]float32, 8)
	sc := NewScorer(m)
	var err error
	allocs := testing.AllocsPerRun(5, func() { err = sc.ScoreSpans(dst, hist, targets, ends, ages) })
	require.NoError(t, err)
	assert.Zero(t, allocs)
}

func TestScorerGSUQueriesEqualsModel(t *testing.T) {
	m := newTestModel(t, DefaultConfig())
	r := rand.New(rand.NewPCG(7, 8))
	d, hn := m.Dim(), m.cfg.Heads
	sc := NewScorer(m)
	for _, n := range []int{0, 1, 3, 4, 8} {
		targets := randomVector(r, n*d, 1)
		got := make([]float32, n*hn*d)
		require.NoError(t, sc.GSUQueries(got, targets))
		for i := range n {
			want := make([]float32, hn*d)
			require.NoError(t, m.GSUQueries(want, targets[i*d:(i+1)*d]))
			assert.Equal(t, want, got[i*hn*d:(i+1)*hn*d], "n=%d target %d", n, i)
		}
	}
	require.ErrorContains(t, sc.GSUQueries(make([]float32, 3), make([]float32, d)), "GSU query matrix has length 3")
	require.ErrorContains(t, sc.GSUQueries(make([]float32, hn*d), make([]float32, d+1)), "target matrix has length 65, want 64")
	targets := randomVector(r, 8*d, 1)
	dst := make([]float32, 8*hn*d)
	assert.Zero(t, testing.AllocsPerRun(5, func() { _ = sc.GSUQueries(dst, targets) }))
}
