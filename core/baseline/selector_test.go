package baseline

import (
	"cmp"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
)

func tinyModel(t *testing.T, topK int) *model.Model {
	t.Helper()
	c := model.DefaultConfig()
	c.Dim, c.Heads, c.TopK = 8, 2, topK
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 64, 64, 16
	c.MLPHidden = []int{8}
	c.Seed = 3
	m, err := model.New(c)
	require.NoError(t, err)
	return m
}

// catalogue has items whose genre is g<i mod 3> and decade d<i mod 2>.
func catalogue(n int) []data.Item {
	items := make([]data.Item, n)
	for i := range items {
		items[i] = data.Item{ID: strconv.Itoa(i), Text: "item " + strconv.Itoa(i), Attrs: []data.Attr{
			{Field: "genre", Value: "g" + strconv.Itoa(i%3)}, {Field: "decade", Value: "d" + strconv.Itoa(i%2)}}}
	}
	return items
}

func randomHistory(t *testing.T, m *model.Model, items []data.Item, n int, seed uint64) ([]float32, []data.Event) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	enc := model.NewEncoder(m)
	events := make([]data.Event, n)
	vecs := make([]float32, n*m.Dim())
	for j := range events {
		events[j] = data.Event{Time: int64(j), Kind: data.Search, Query: "q" + strconv.Itoa(r.IntN(4)), Item: int32(r.IntN(len(items)))}
		require.NoError(t, enc.EventVector(vecs[j*m.Dim():(j+1)*m.Dim()], events[j].Query, events[j].Kind, &items[events[j].Item]))
	}
	return vecs, events
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Strategy
		ok   bool
	}{
		{"gsu", Strategy{Kind: GSU}, true},
		{"twin", Strategy{Kind: GSU, TieESU: true}, true},
		{"gsu with k", Strategy{Kind: GSU, K: 3}, false},
		{"last-n", Strategy{Kind: LastN, K: 5}, true},
		{"last-n without k", Strategy{Kind: LastN}, false},
		{"last-n tied", Strategy{Kind: LastN, K: 5, TieESU: true}, false},
		{"same-attr", Strategy{Kind: SameAttr, K: 5, Field: "genre"}, true},
		{"field on last-n", Strategy{Kind: LastN, K: 5, Field: "genre"}, false},
		{"simhash", Strategy{Kind: SimHash, K: 5, Bits: 64}, true},
		{"simhash too wide", Strategy{Kind: SimHash, K: 5, Bits: 65}, false},
		{"bits on same-attr", Strategy{Kind: SameAttr, K: 5, Bits: 8}, false},
		{"unknown", Strategy{Kind: "nearest"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ok {
				assert.NoError(t, tt.s.Validate())
			} else {
				assert.Error(t, tt.s.Validate())
			}
		})
	}
}

func TestLastNAndSameAttr(t *testing.T) {
	m := tinyModel(t, 4)
	items := catalogue(12)
	// Items of the ten events: genres g0 g1 g2 g0 g1 g2 g0 g1 g2 g0, decades alternate.
	var events []data.Event
	for j := range 10 {
		events = append(events, data.Event{Time: int64(j), Kind: data.Browse, Item: int32(j)})
	}
	vecs := make([]float32, len(events)*m.Dim())
	target := make([]float32, m.Dim())
	tests := []struct {
		name     string
		s        Strategy
		item     int
		from, to int
		want     []int32
	}{
		{"last 3", Strategy{Kind: LastN, K: 3}, 0, 0, 10, []int32{7, 8, 9}},
		{"last 3 of a prefix", Strategy{Kind: LastN, K: 3}, 0, 0, 5, []int32{2, 3, 4}},
		{"last 3 of a short range", Strategy{Kind: LastN, K: 3}, 0, 4, 6, []int32{4, 5}},
		{"empty range", Strategy{Kind: LastN, K: 3}, 0, 4, 4, []int32{}},
		{"same genre, most recent 2", Strategy{Kind: SameAttr, K: 2, Field: "genre"}, 3, 0, 10, []int32{6, 9}},
		{"same genre, all", Strategy{Kind: SameAttr, K: 9, Field: "genre"}, 4, 0, 10, []int32{1, 4, 7}},
		{"same genre in a prefix", Strategy{Kind: SameAttr, K: 9, Field: "genre"}, 5, 0, 6, []int32{2, 5}},
		{"any attribute (decade d1 matches odd items)", Strategy{Kind: SameAttr, K: 3}, 1, 0, 10, []int32{5, 7, 9}},
		{"no match", Strategy{Kind: SameAttr, K: 3, Field: "studio"}, 1, 0, 10, []int32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := tt.s.NewSelector(m, items)
			require.NoError(t, err)
			require.NoError(t, sel.Prepare(vecs, events))
			got, err := sel.Select(nil, target, &items[tt.item], tt.from, tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, append([]int32{}, got...))
		})
	}
}

func TestSimHashKeepsNearestSignatures(t *testing.T) {
	m := tinyModel(t, 4)
	items := catalogue(30)
	vecs, events := randomHistory(t, m, items, 40, 9)
	s := Strategy{Kind: SimHash, K: 6, Bits: 16, Seed: 5}
	sel, err := s.NewSelector(m, items)
	require.NoError(t, err)
	require.NoError(t, sel.Prepare(vecs, events))
	d := m.Dim()
	for trial := range 5 {
		target := vecs[trial*7*d : (trial*7+1)*d]
		got, err := sel.Select(nil, target, nil, 3, 38)
		require.NoError(t, err)
		// Brute force: sort by (similarity desc, index desc), keep K, sort ascending.
		tsig := sel.signature(target)
		var all []int32
		for j := 3; j < 38; j++ {
			all = append(all, int32(j))
		}
		sim := func(j int32) int { return 16 - bits.OnesCount64(sel.signature(vecs[int(j)*d:int(j+1)*d])^tsig) }
		slices.SortFunc(all, func(a, b int32) int { return cmp.Or(cmp.Compare(sim(b), sim(a)), cmp.Compare(b, a)) })
		want := slices.Clone(all[:6])
		slices.Sort(want)
		assert.Equal(t, want, got, "trial %d", trial)
		if trial*7 >= 3 && trial*7 < 38 {
			assert.Contains(t, got, int32(trial*7), "an event is nearest to itself")
		}
	}
}

func TestGSUMatchesScorer(t *testing.T) {
	items := catalogue(50)
	tests := []struct {
		name   string
		topK   int
		events int
	}{
		{"short history keeps all", 8, 8},
		{"long history", 5, 60},
		{"one per head", 1, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tinyModel(t, tt.topK)
			vecs, events := randomHistory(t, m, items, tt.events, uint64(tt.events))
			h, err := model.WrapHistory(m.Dim(), vecs)
			require.NoError(t, err)
			sel, err := Strategy{Kind: GSU}.NewSelector(m, items)
			require.NoError(t, err)
			require.NoError(t, sel.Prepare(vecs, events))
			scorer := model.NewScorer(m)
			target := make([]float32, m.Dim())
			for c := range 6 {
				require.NoError(t, scorer.Encoder().EventVector(target, "q1", data.Search, &items[c*7]))
				_, err := scorer.ScoreTarget(h, target)
				require.NoError(t, err)
				got, err := sel.Select(nil, target, &items[c*7], 0, tt.events)
				require.NoError(t, err)
				assert.Equal(t, scorer.Kept(), got)
			}
		})
	}
}

func TestTieMakesGSUSearchWithESU(t *testing.T) {
	m := tinyModel(t, 3)
	Tie(m)
	assert.Equal(t, m.Params.ESUQ, m.Params.GSUQ)
	assert.Equal(t, m.Params.ESUK, m.Params.GSUK)
}

func TestSelectRejectsBadInput(t *testing.T) {
	m := tinyModel(t, 3)
	items := catalogue(5)
	vecs, events := randomHistory(t, m, items, 4, 1)
	sel, err := Strategy{Kind: SameAttr, K: 2}.NewSelector(m, items)
	require.NoError(t, err)
	assert.Error(t, sel.Prepare(vecs[:3], events), "vectors do not fit the events")
	assert.Error(t, sel.Prepare(vecs, append(slices.Clone(events[:3]), data.Event{Item: 9})), "item out of range")
	require.NoError(t, sel.Prepare(vecs, events))
	_, err = sel.Select(nil, vecs[:m.Dim()], &items[0], 2, 9)
	assert.Error(t, err, "range past the history")
	_, err = sel.Select(nil, vecs[:3], &items[0], 0, 4)
	assert.Error(t, err, "short target")
	_, err = sel.Select(nil, vecs[:m.Dim()], nil, 0, 4)
	assert.Error(t, err, "same-attr without an item")
}

func TestSelectAllocatesNothing(t *testing.T) {
	m := tinyModel(t, 3)
	items := catalogue(20)
	vecs, events := randomHistory(t, m, items, 30, 2)
	for _, s := range []Strategy{{Kind: GSU}, {Kind: LastN, K: 4}, {Kind: SameAttr, K: 4, Field: "genre"}, {Kind: SimHash, K: 4, Bits: 32}} {
		sel, err := s.NewSelector(m, items)
		require.NoError(t, err)
		require.NoError(t, sel.Prepare(vecs, events))
		dst := make([]int32, 0, 64)
		allocs := testing.AllocsPerRun(10, func() {
			dst, err = sel.Select(dst, vecs[:m.Dim()], &items[1], 0, 30)
		})
		require.NoError(t, err)
		assert.Zero(t, allocs, s.String())
	}
}

// TestMarkTopKeepsWhatTopKKeeps checks the per-head selection against the heap the selector used
// before (core/model.TopK): the same k events, ties going to the later event, with scores
// drawn from a few levels so that ties are everywhere.
func TestMarkTopKeepsWhatTopKKeeps(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	cases := []struct {
		name      string
		n, k      int
		levels    int // distinct score values; 0 for continuous scores
		negatives bool
	}{
		{"one of one", 1, 1, 0, false},
		{"all kept", 9, 9, 3, false},
		{"all tied", 50, 7, 1, false},
		{"few levels", 128, 32, 4, true},
		{"many levels", 200, 16, 40, true},
		{"continuous", 300, 32, 0, true},
		{"k of one", 64, 1, 5, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 50 {
				rev := make([]float32, c.n)
				heap := model.NewTopK(c.k)
				for j := range c.n {
					a := r.Float32()
					if c.levels > 0 {
						a = float32(r.IntN(c.levels))
					}
					if c.negatives {
						a -= 0.5 * float32(max(c.levels, 1))
					}
					rev[c.n-1-j] = a
					heap.Offer(a, int32(j))
				}
				kept := make([]bool, c.n)
				markTop(kept, rev, c.k, nil)
				var got []int32
				for j, k := range kept {
					if k {
						got = append(got, int32(j))
					}
				}
				want := slices.Clone(heap.Indices())
				slices.Sort(got)
				slices.Sort(want)
				require.Equal(t, want, got)
			}
		})
	}
}
