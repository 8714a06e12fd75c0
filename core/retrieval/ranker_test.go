package retrieval

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
)

// With codebooks that reproduce every event exactly, the approximate GSU must keep what the
// exact one keeps and the ESU must score the same: 8-bit codes with ADC, and 4-bit codes with
// a shortlist of the whole history re-scored from the codes.
func TestApproximateEqualsExactOnExactCodes(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 11, 400, 500)
	tests := []struct {
		name    string
		bits    int
		history []Event
		opt     Options
	}{
		{"8-bit", 8, evs[:200], Options{K: 20}},
		{"8-bit per head", 8, evs[:200], Options{K: 12, Heads: PerHead}},
		{"4-bit refined", 4, evs[:16], Options{K: 6, Shortlist: 16}},
		{"4-bit per head refined", 4, evs[:16], Options{K: 3, Heads: PerHead, Shortlist: 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := exactCodec(t, m, tt.history, LayoutCompact, tt.bits)
			s := newStore(t, c, StoreOptions{Int8: true}, tt.history)
			h := history(t, m, tt.history)
			cands := candidates(evs, itemsOf(evs, 20), data.Search)
			r, rx := NewRanker(c), NewRanker(c)
			exactOpt := Options{K: tt.opt.K, Heads: tt.opt.Heads}
			for _, cand := range cands {
				tv := targetVector(t, m, cand)
				want, err := rx.RetrieveExact(h, tv, exactOpt)
				require.NoError(t, err)
				got, err := r.Retrieve(s, tv, tt.opt)
				require.NoError(t, err)
				require.Equal(t, want, got)
			}
			want, err := rx.RankExact(h, cands, exactOpt)
			require.NoError(t, err)
			got, err := r.Rank(s, cands, tt.opt)
			require.NoError(t, err)
			// The kept events' vectors are bit-identical to s_j and in the same order.
			assert.Equal(t, want.Scores, got.Scores)
			assert.Equal(t, want.Order, got.Order)
		})
	}
}

// RankExact with per-head retrieval and the model's K is the model's own exact scoring.
func TestRankExactMatchesModel(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 12, 300, 400)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	sc := model.NewScorer(m)
	for _, n := range []int{5, 60, 400} {
		h := history(t, m, repeated(evs, n, n, 3))
		cands := candidates(evs, itemsOf(evs, 10), data.Search)
		got, err := NewRanker(c).RankExact(h, cands, Options{Heads: PerHead})
		require.NoError(t, err)
		read := 0
		for i, cand := range cands {
			want, err := sc.Score(h, cand.Query, cand.Kind, cand.Item)
			require.NoError(t, err)
			assert.Equal(t, want, got.Scores[i])
			read += len(sc.Kept())
		}
		assert.Equal(t, read, got.EventsRead, "n=%d", n)
	}
}

// plantedHistory returns a history of n events with k planted ones at random places: the
// target's k best events of a pool, among copies of the pool's worse half. The planted events
// are the exact top k by a clear margin, and every event is a real one.
func plantedHistory(t *testing.T, m *model.Model, pool []Event, tv []float32, n, k int, rng *rand.Rand) ([]Event, []int32) {
	t.Helper()
	r := NewRanker(trainedCodec(t, m, pool, LayoutCompact, 4))
	h := history(t, m, pool)
	scores := make([]float32, len(pool))
	require.NoError(t, r.retrievalVectors(r.qs, tv, Options{}))
	for j := range pool {
		for i, x := range h.Event(j) {
			scores[j] += r.qs[i] * x
		}
	}
	byScore := make([]int, len(pool))
	for j := range byScore {
		byScore[j] = j
	}
	slices.SortStableFunc(byScore, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	best, worse := byScore[:k], byScore[len(pool)/2:]
	planted := rng.Perm(n)[:k]
	slices.Sort(planted)
	evs := make([]Event, n)
	want := make([]int32, k)
	for j := range evs {
		if i, ok := slices.BinarySearch(planted, j); ok {
			evs[j], want[i] = pool[best[i]], int32(j)
		} else {
			evs[j] = pool[worse[rng.IntN(len(worse))]]
		}
		evs[j].Time = int64(j)
	}
	return evs, want
}

func TestRecallOnPlantedEvents(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 13, 2000, 1200)
	rng := rand.New(rand.NewPCG(13, 1))
	tv := targetVector(t, m, candidates(evs, itemsOf(evs, 1), data.Search)[0])
	hist, want := plantedHistory(t, m, evs[600:], tv, 2000, 30, rng)
	for _, tt := range []struct {
		layout string
		bits   int
		opt    Options
	}{
		{LayoutCompact, 4, Options{K: 30}},
		{LayoutCompact, 4, Options{K: 30, Shortlist: 90}},
		{LayoutQueryItem, 4, Options{K: 30, Shortlist: 90}},
		{LayoutParts, 4, Options{K: 30, Shortlist: 90}},
		{LayoutCompact, 8, Options{K: 30}},
		{LayoutCompact, 4, Options{K: 30, Heads: PerHead}},
	} {
		t.Run(tt.layout, func(t *testing.T) {
			// Codebooks trained on other events of the same catalogue.
			s := newStore(t, trainedCodec(t, m, evs[:400], tt.layout, tt.bits), StoreOptions{}, hist)
			got, err := NewRanker(s.Codec()).Retrieve(s, tv, tt.opt)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, float64(overlap(want, got))/float64(len(want)), 0.9)
		})
	}
}

// Ranking many candidates at once (one shared scan per chunk of candidates) gives each the
// score it gets alone.
func TestRankSharesScanConsistently(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 14, 300, 700)
	c := trainedCodec(t, m, evs[:300], LayoutCompact, 4)
	s := newStore(t, c, StoreOptions{Int8: true}, evs)
	cands := candidates(evs, itemsOf(evs, 19), data.Search)
	for _, opt := range []Options{
		{K: 16},
		{K: 16, Shortlist: 64, Refine: FromInt8, ESU: FromInt8},
		{K: 8, Heads: PerHead, Shortlist: 24},
		{K: 16, Shortlist: 48, Refine: FromInt8, Weights: []float32{3, 1, 1, 1, 1}},
	} {
		r := NewRanker(c)
		all, err := r.Rank(s, cands, opt)
		require.NoError(t, err)
		scores := append([]float32(nil), all.Scores...)
		order := append([]int32(nil), all.Order...)
		for i, cand := range cands {
			one, err := r.Rank(s, []Candidate{cand}, opt)
			require.NoError(t, err)
			assert.Equal(t, scores[i], one.Scores[0])
		}
		assert.True(t, slices.IsSortedFunc(order, func(a, b int32) int {
			switch {
			case scores[a] > scores[b]:
				return -1
			case scores[a] < scores[b]:
				return 1
			}
			return int(a - b)
		}))
	}
}

// Part weights change what retrieval keeps as the exactly weighted scores do.
func TestWeightsSteerRetrieval(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 15, 300, 400)
	c := exactCodec(t, m, evs[:200], LayoutParts, 8)
	s := newStore(t, c, StoreOptions{Int8: true}, evs[:200])
	enc := model.NewEncoder(m)
	parts := make([][]float32, 200)
	for j, e := range evs[:200] {
		parts[j] = make([]float32, model.NumParts*testDim)
		require.NoError(t, enc.EventParts(parts[j], e.Query, e.Kind, e.Item))
	}
	r := NewRanker(c)
	for _, w := range [][]float32{{4, 1, 1, 1, 1}, {0, 1, 1, 1, 1}, {1, 0, 2, 0, 1}} {
		for _, cand := range candidates(evs, itemsOf(evs, 5), data.Search) {
			tv := targetVector(t, m, cand)
			require.NoError(t, r.retrievalVectors(r.qs, tv, Options{}))
			q := append([]float32(nil), r.qs[:testDim]...)
			scores := make([]float32, len(parts))
			for j, p := range parts {
				for part := range model.NumParts {
					for i, x := range p[part*testDim : (part+1)*testDim] {
						scores[j] += w[part] * q[i] * x
					}
				}
			}
			want := topKLatest(scores, 10, nil)
			slices.Sort(want)
			got, err := r.Retrieve(s, tv, Options{K: 10, Weights: w})
			require.NoError(t, err)
			assert.Equal(t, want, got)
			// The int8 refine adds the weights' correction from the codes: it keeps events
			// whose exact scores are within the int8 copy's rounding of the K-th best.
			got, err = r.Retrieve(s, tv, Options{K: 10, Shortlist: 200, Refine: FromInt8, Weights: w})
			require.NoError(t, err)
			kth := scores[want[0]]
			for _, j := range want {
				kth = min(kth, scores[j])
			}
			var qNorm1 float32
			for _, x := range q {
				qNorm1 += max(x, -x)
			}
			for _, j := range got {
				// Each int8 value rounds by at most half the event's scale.
				assert.GreaterOrEqual(t, scores[j], kth-2*qNorm1*s.scale[j]/2)
			}
		}
	}
}

func overlap(a, b []int32) int {
	n := 0
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); ok {
			n++
		}
	}
	return n
}

func TestRankRejects(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 16, 100, 200)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	other := trainedCodec(t, m, evs[:100], LayoutCompact, 4)
	s := newStore(t, c, StoreOptions{}, evs)
	cands := candidates(evs, itemsOf(evs, 3), data.Search)
	r := NewRanker(c)
	tests := map[string]struct {
		store *Store
		cands []Candidate
		opt   Options
	}{
		"other codec":   {newStore(t, other, StoreOptions{}, evs[:5]), cands, Options{}},
		"negative K":    {s, cands, Options{K: -1}},
		"weights":       {s, cands, Options{Weights: []float32{1, 2}}},
		"part weights":  {s, cands, Options{Weights: []float32{1, 2, 1, 1, 1}}},
		"nan weight":    {s, cands, Options{Weights: []float32{float32(nanF()), 1, 1, 1, 1}}},
		"no int8":       {s, cands, Options{Shortlist: 100, Refine: FromInt8}},
		"no int8 ESU":   {s, cands, Options{ESU: FromInt8}},
		"heads":         {s, cands, Options{Heads: 9}},
		"vectors":       {s, cands, Options{Refine: 9}},
		"bad candidate": {s, []Candidate{{Item: &data.Item{Dense: [][]float32{{1}}}}}, Options{}},
		"nil item":      {s, []Candidate{{}}, Options{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := r.Rank(tt.store, tt.cands, tt.opt)
			require.Error(t, err)
		})
	}
	_, err := r.Retrieve(s, make([]float32, 3), Options{})
	require.Error(t, err)
	_, err = r.RankExact(nil, cands, Options{})
	require.Error(t, err)
	_, err = r.RankExact(history(t, m, evs), cands, Options{Weights: []float32{1, 1, 1, 1, 1}})
	require.Error(t, err)
	_, err = r.RetrieveExact(history(t, m, evs), make([]float32, 3), Options{})
	require.Error(t, err)
}

func TestRankAllocs(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 17, 300, 500)
	cands := candidates(evs, itemsOf(evs, 12), data.Search)
	for _, bits := range []int{4, 8} {
		c := trainedCodec(t, m, evs[:400], LayoutCompact, bits)
		s := newStore(t, c, StoreOptions{Int8: true}, evs)
		h := history(t, m, evs)
		tv := targetVector(t, m, cands[0])
		for _, opt := range []Options{
			{K: 16},
			{Heads: PerHead},
			{K: 16, Shortlist: 64},
			{K: 8, Heads: PerHead, Shortlist: 32, Refine: FromInt8, ESU: FromInt8},
			{K: 16, Shortlist: 64, Refine: FromInt8, Weights: []float32{2, 1, 1, 1, 1}},
		} {
			r := NewRanker(c)
			_, err := r.Rank(s, cands, opt)
			require.NoError(t, err)
			assert.Zero(t, testing.AllocsPerRun(5, func() { _, _ = r.Rank(s, cands, opt) }))
			assert.Zero(t, testing.AllocsPerRun(5, func() { _, _ = r.Retrieve(s, tv, opt) }))
			opt.Shortlist, opt.Refine, opt.ESU, opt.Weights = 0, FromCodes, FromCodes, nil
			_, err = r.RankExact(h, cands, opt)
			require.NoError(t, err)
			assert.Zero(t, testing.AllocsPerRun(5, func() { _, _ = r.RankExact(h, cands, opt) }))
		}
	}
}

// An empty history keeps no events: every candidate is scored by the MLP alone, as the exact
// model scores it.
func TestRankEmptyHistory(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 18, 100, 100)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	cands := candidates(evs, itemsOf(evs, 4), data.Search)
	r := NewRanker(c)
	exact, err := r.RankExact(m.NewHistory(0), cands, Options{Heads: PerHead})
	require.NoError(t, err)
	want := append([]float32(nil), exact.Scores...)
	got, err := r.Rank(NewStore(c, StoreOptions{}), cands, Options{})
	require.NoError(t, err)
	assert.Equal(t, want, got.Scores)
	sc := model.NewScorer(m)
	for i, cand := range cands {
		s, err := sc.Score(m.NewHistory(0), cand.Query, cand.Kind, cand.Item)
		require.NoError(t, err)
		assert.Equal(t, s, want[i])
	}
}
