package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
)

// headRows returns rows [h·d_h, (h+1)·d_h) of a d×d matrix applied to x: W^h x.
func headRows(w []float32, d, dh, h int, x []float64) []float64 {
	return matVec64(w[h*dh*d:(h+1)*dh*d], dh, d, x)
}

// refGSUScore is a_h(j) = (W_Qg^h t)·(W_Kg^h s_j)/√d_h, unfolded.
func refGSUScore(m *Model, h int, t, s []float64) float64 {
	d := m.Dim()
	dh := d / m.cfg.Heads
	return dot64(headRows(m.Params.GSUQ, d, dh, h, t), headRows(m.Params.GSUK, d, dh, h, s)) / math.Sqrt(float64(dh))
}

// refScoreSelected is the ESU and MLP over the events idx, unfolded, in float64.
func refScoreSelected(m *Model, hist *History, t []float64, idx []int32) float64 {
	d, hn := m.Dim(), m.cfg.Heads
	dh := d / hn
	concat := make([]float64, d)
	for h := range hn {
		if len(idx) == 0 {
			break
		}
		q := headRows(m.Params.ESUQ, d, dh, h, t)
		logits := make([]float64, len(idx))
		maxLogit := math.Inf(-1)
		for i, j := range idx {
			logits[i] = dot64(q, headRows(m.Params.ESUK, d, dh, h, to64(hist.Event(int(j))))) / math.Sqrt(float64(dh))
			if nb := m.cfg.AgeBuckets; nb > 0 {
				logits[i] += float64(m.Params.ESUAge[AgeBucket(hist.Len()-1-int(j), nb)*hn+h])
			}
			maxLogit = max(maxLogit, logits[i])
		}
		var z float64
		for i := range logits {
			logits[i] = math.Exp(logits[i] - maxLogit)
			z += logits[i]
		}
		for i, j := range idx {
			v := headRows(m.Params.ESUV, d, dh, h, to64(hist.Event(int(j))))
			for r := range dh {
				concat[h*dh+r] += logits[i] / z * v[r]
			}
		}
	}
	o := matVec64(m.Params.ESUO, d, d, concat)
	x := append(append(append([]float64{}, o...), t...), make([]float64, d)...)
	for i := range d {
		x[2*d+i] = o[i] * t[i]
	}
	for l, w := range m.Params.MLPW {
		b := m.Params.MLPB[l]
		y := matVec64(w, len(b), len(x), x)
		for i := range y {
			y[i] += float64(b[i])
			if l < len(m.Params.MLPW)-1 {
				y[i] = max(y[i], 0)
			}
		}
		x = y
	}
	return x[0]
}

// bruteForceKept is the union over heads of each head's top K by (score, index), from the scores
// the folded queries give.
func bruteForceKept(m *Model, hist *History, t []float32) []int32 {
	d, hn, k, n := m.Dim(), m.cfg.Heads, m.cfg.TopK, hist.Len()
	if n <= k {
		all := make([]int32, n)
		for j := range all {
			all[j] = int32(j)
		}
		return all
	}
	gq := make([]float32, hn*d)
	if err := m.GSUQueries(gq, t); err != nil {
		panic(err)
	}
	seen := map[int32]bool{}
	for h := range hn {
		order := make([]int32, n)
		scores := make([]float32, n)
		for j := range n {
			order[j] = int32(j)
			scores[j] = kernels.Dot(gq[h*d:(h+1)*d], hist.Event(j))
		}
		slices.SortFunc(order, func(a, b int32) int {
			if scores[a] != scores[b] {
				if scores[a] > scores[b] {
					return -1
				}
				return 1
			}
			return int(b - a)
		})
		for _, j := range order[:k] {
			seen[j] = true
		}
	}
	var kept []int32
	for j := range seen {
		kept = append(kept, j)
	}
	slices.Sort(kept)
	return kept
}

func TestGSUQueriesFolded(t *testing.T) {
	m := newTestModel(t, smallConfig())
	r := rand.New(rand.NewPCG(5, 6))
	d, hn := m.Dim(), m.cfg.Heads
	gq := make([]float32, hn*d)
	for range 20 {
		tv, s := randomVector(r, d, 1), randomVector(r, d, 1)
		require.NoError(t, m.GSUQueries(gq, tv))
		for h := range hn {
			want := refGSUScore(m, h, to64(tv), to64(s))
			require.InDelta(t, want, float64(kernels.Dot(gq[h*d:(h+1)*d], s)), 1e-4)
		}
	}
}

func TestGSUTopK(t *testing.T) {
	c := smallConfig()
	tests := []struct {
		name   string
		events int
		topK   int
		repeat int // events repeat with this period, so scores tie (0: no repeats)
	}{
		{"empty history", 0, 8, 0},
		{"shorter than K", 5, 8, 0},
		{"exactly K", 8, 8, 0},
		{"K plus one", 9, 8, 0},
		{"long", 600, 8, 0},
		{"K of one", 300, 1, 0},
		{"ties go to later events", 200, 8, 7},
		{"large K", 1000, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.TopK = tt.topK
			m := newTestModel(t, c)
			r := rand.New(rand.NewPCG(uint64(tt.events), 8))
			hist := randomHistory(t, m, r, tt.events)
			if tt.repeat > 0 {
				v := hist.Vectors()
				for j := tt.repeat; j < tt.events; j++ {
					copy(hist.Event(j), v[(j%tt.repeat)*m.Dim():])
				}
			}
			sc := NewScorer(m)
			for range 5 {
				tv := randomVector(r, m.Dim(), 1)
				_, err := sc.ScoreTarget(hist, tv)
				require.NoError(t, err)
				want := bruteForceKept(m, hist, tv)
				require.Equal(t, want, sc.Kept())
				assert.LessOrEqual(t, len(sc.Kept()), c.Heads*tt.topK)
			}
		})
	}
}

func TestScoreMatchesReference(t *testing.T) {
	c := smallConfig()
	m := newTestModel(t, c)
	sc := NewScorer(m)
	enc := NewEncoder(m)
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 7, 50, 400} {
		hist := m.NewHistory(n)
		for range n {
			require.NoError(t, enc.AppendEvent(hist, randomText(r, r.IntN(3)), data.Kind(r.IntN(2)), randomItem(r, c)))
		}
		for range 5 {
			cand, query := randomItem(r, c), randomText(r, 2)
			got, err := sc.Score(hist, query, data.Search, cand)
			require.NoError(t, err)

			tv := make([]float32, m.Dim())
			require.NoError(t, enc.EventVector(tv, query, data.Search, cand))
			kept := slices.Clone(sc.Kept())
			require.Equal(t, bruteForceKept(m, hist, tv), kept)
			assert.InDelta(t, refScoreSelected(m, hist, to64(tv), kept), float64(got), 1e-4, "L=%d", n)

			again, err := sc.ScoreSelected(hist, tv, kept)
			require.NoError(t, err)
			assert.Equal(t, got, again, "ScoreSelected on the GSU's events is Score")
			byTarget, err := sc.ScoreTarget(hist, tv)
			require.NoError(t, err)
			assert.Equal(t, got, byTarget)
		}
	}
}

func TestScoreSelectedSubset(t *testing.T) {
	m := newTestModel(t, smallConfig())
	r := rand.New(rand.NewPCG(11, 12))
	hist := randomHistory(t, m, r, 100)
	sc := NewScorer(m)
	tv := randomVector(r, m.Dim(), 1)
	for _, idx := range [][]int32{nil, {0}, {99}, {3, 50, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35}} {
		got, err := sc.ScoreSelected(hist, tv, idx)
		require.NoError(t, err)
		assert.InDelta(t, refScoreSelected(m, hist, to64(tv), idx), float64(got), 1e-4, "idx %v", idx)
	}
}

// TestScoreSelectedConsecutiveEqualsGathered checks that attending over consecutive events in
// place gives the same score as over the same vectors gathered from scattered rows.
func TestScoreSelectedConsecutiveEqualsGathered(t *testing.T) {
	// The two layouts put the events at different ages: a model without age buckets scores them
	// alike.
	c := smallConfig()
	c.AgeBuckets = 0
	m := newTestModel(t, c)
	r := rand.New(rand.NewPCG(23, 24))
	d := m.Dim()
	sc := NewScorer(m)
	for _, n := range []int{1, 5, 32, 33, 100} {
		hist := randomHistory(t, m, r, n+10)
		scattered := m.NewHistory(2 * n)
		idx := make([]int32, n)
		for i := range n {
			require.NoError(t, scattered.Append(randomVector(r, d, 1)))
			idx[i] = int32(scattered.Len())
			require.NoError(t, scattered.Append(hist.Event(10+i)))
		}
		consecutive := make([]int32, n)
		for i := range consecutive {
			consecutive[i] = int32(10 + i)
		}
		tv := randomVector(r, d, 1)
		want, err := sc.ScoreSelected(hist, tv, consecutive)
		require.NoError(t, err)
		got, err := sc.ScoreSelected(scattered, tv, idx)
		require.NoError(t, err)
		assert.Equal(t, want, got, "n=%d", n)
		assert.InDelta(t, refScoreSelected(m, hist, to64(tv), consecutive), float64(want), 1e-4, "n=%d", n)
	}
}

func TestScoreErrors(t *testing.T) {
	m := newTestModel(t, smallConfig())
	sc := NewScorer(m)
	d := m.Dim()
	hist := randomHistory(t, m, rand.New(rand.NewPCG(1, 1)), 10)
	other, err := WrapHistory(d*2, nil)
	require.NoError(t, err)
	tests := []struct {
		name   string
		call   func() error
		errMsg string
	}{
		{"nil candidate", func() error { _, err := sc.Score(hist, "", data.Browse, nil); return err }, "nil item"},
		{"bad dense candidate", func() error {
			_, err := sc.Score(hist, "", data.Browse, &data.Item{Dense: [][]float32{{1}}})
			return err
		}, "dense slot 0 has width 1, want 5"},
		{"nil history", func() error { _, err := sc.ScoreTarget(nil, make([]float32, d)); return err }, "nil history"},
		{"history of another width", func() error { _, err := sc.ScoreTarget(other, make([]float32, d)); return err },
			"history has width 32, the model 16"},
		{"short target", func() error { _, err := sc.ScoreTarget(hist, make([]float32, 3)); return err },
			"target vector has length 3, want 16"},
		{"selected past the end", func() error { _, err := sc.ScoreSelected(hist, make([]float32, d), []int32{2, 10}); return err },
			"selected event 10 outside a history of 10"},
		{"negative selected", func() error { _, err := sc.ScoreSelected(hist, make([]float32, d), []int32{-1}); return err },
			"selected event -1 outside"},
		{"GSU queries of wrong size", func() error { return m.GSUQueries(make([]float32, d), make([]float32, d)) },
			"GSU query matrix has length 16, want 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
		})
	}
}

func TestDeterministicScores(t *testing.T) {
	c := smallConfig()
	score := func() float32 {
		m, err := New(c)
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(13, 14))
		hist := randomHistory(t, m, r, 300)
		got, err := NewScorer(m).Score(hist, "red shoe", data.Search, randomItem(r, c))
		require.NoError(t, err)
		return got
	}
	assert.Equal(t, score(), score())
}

func TestZeroAllocs(t *testing.T) {
	c := DefaultConfig()
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 1<<10, 1<<10, 1<<8
	c.DenseDims = []int{32}
	m := newTestModel(t, c)
	r := rand.New(rand.NewPCG(15, 16))
	hist := randomHistory(t, m, r, 2000)
	sc := NewScorer(m)
	enc := NewEncoder(m)
	cand := randomItem(r, c)
	cand.Dense[0] = randomVector(r, 32, 1)
	s := make([]float32, m.Dim())
	parts := make([]float32, NumParts*m.Dim())
	grown := m.NewHistory(100)
	tests := []struct {
		name string
		call func() error
	}{
		{"Score", func() error { _, err := sc.Score(hist, "red shoe", data.Search, cand); return err }},
		{"ScoreSelected", func() error { _, err := sc.ScoreSelected(hist, s, sc.Kept()); return err }},
		{"EventVector", func() error { return enc.EventVector(s, "blue jazz", data.Search, cand) }},
		{"EventParts", func() error { return enc.EventParts(parts, "", data.Browse, cand) }},
		{"AppendEvent", func() error { grown.Reset(); return enc.AppendEvent(grown, "q", data.Search, cand) }},
		{"GSUQueries", func() error { return m.GSUQueries(sc.gq, s) }},
		{"QueryPart", func() error { return enc.QueryPart(s, "red shoe", data.Search) }},
		{"EventVectorWithQuery", func() error { return enc.EventVectorWithQuery(s, sc.target, cand) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(5, func() { err = tt.call() })
			require.NoError(t, err)
			assert.Zero(t, allocs)
		})
	}
}
