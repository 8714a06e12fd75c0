package study

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/quantize"
)

// The tiny catalogue and model of these tests.
const (
	tinySeed  = 7
	tinyItems = 400
)

// tinyLongStudy is a random model of two heads and TopK 8 over a generated catalogue of
// tinyItems items, with a 4-bit two-stage codec trained on one generated user.
func tinyLongStudy(t *testing.T) *studyData {
	t.Helper()
	d, err := synth.LongUsers(tinySeed, tinyItems, 600, 1)
	require.NoError(t, err)
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.Heads, cfg.TopK, cfg.IDBuckets, cfg.TokenBuckets, cfg.AttrBuckets = 8, 2, 8, 64, 64, 16
	cfg.DenseDims, cfg.Seed = []int{synth.DefaultConfig().DenseDim}, studySeed
	m, err := model.New(cfg)
	require.NoError(t, err)
	sd := &studyData{name: "tiny", kind: kindRandom, d: d, m: m, items: quantize.ModelItems(d, m)}
	var train []retrieval.Event
	for _, e := range d.Users[0].Events {
		train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &sd.items[e.Item]})
	}
	sd.c4, err = quantize.Train(context.Background(), m, train, quantize.Options{Layout: quantize.TwoStage, Bits: 4,
		Fine: quantize.FineAuto, Seed: studySeed})
	require.NoError(t, err)
	return sd
}

func TestGeneratedLongUsers(t *testing.T) {
	tests := []struct {
		name                  string
		l, users, cases, tail int
		err                   string
	}{
		{name: "one case a user", l: 50, users: 2, cases: 1, tail: 5},
		{name: "cases spread over the tail", l: 120, users: 3, cases: 4, tail: 20},
		{name: "no cases", l: 50, users: 1, cases: 0, tail: 5, err: "0 cases"},
		{name: "tail shorter than the cases", l: 50, users: 1, cases: 4, tail: 3, err: "4 cases over 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lus, d, err := generatedLongUsers(tinySeed, tinyItems, tt.l, tt.users, tt.cases, tt.tail)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, lus, tt.users)
			again, _, err := generatedLongUsers(tinySeed, tinyItems, tt.l, tt.users, tt.cases, tt.tail)
			require.NoError(t, err)
			assert.Equal(t, lus, again, "fixed seeds, same cases and candidates")
			for u, lu := range lus {
				evs := d.Users[u].Events
				assert.Equal(t, evs[:tt.l], lu.evs, "the history is the user's first L events")
				require.Len(t, lu.cases, tt.cases)
				require.Len(t, lu.cands, tt.cases)
				seen := map[int32]bool{}
				for _, e := range evs {
					seen[e.Item] = true
				}
				for i, c := range lu.cases {
					assert.Equal(t, int32(u), c.User)
					assert.Len(t, c.History, tt.l)
					assert.Contains(t, evs[tt.l:], c.Target, "the target is a later event of the user")
					assert.Equal(t, c.Target.Item, lu.cands[i].Positive)
					require.Len(t, lu.cands[i].Negatives, candidateNegatives)
					for _, it := range lu.cands[i].Negatives {
						assert.False(t, seen[it], "negative %d is an item the user interacted with", it)
					}
				}
			}
		})
	}
}

func TestRankLongUsers(t *testing.T) {
	sd := tinyLongStudy(t)
	cfg := sd.m.Config()
	variants := longRankVariants(sd.m)
	require.Len(t, variants, 6)
	tests := []struct {
		name     string
		l        int
		workers  int
		wantRead []float64 // mean events read per candidate, per variant; nil: only bounded
	}{
		// A history of at most K events is kept whole by every variant.
		{name: "history within K", l: cfg.TopK, workers: 1, wantRead: []float64{8, 8, 8, 8, 8, 8}},
		{name: "history within heads×K", l: 12, workers: 2},
		{name: "long history", l: 300, workers: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lus, _, err := generatedLongUsers(tinySeed, tinyItems, tt.l, 3, 2, 10)
			require.NoError(t, err)
			res, err := rankLongUsers(context.Background(), sd, variants, lus, tt.workers)
			require.NoError(t, err)
			one, err := rankLongUsers(context.Background(), sd, variants, lus, 1)
			require.NoError(t, err)
			assert.Equal(t, one, res, "the figures do not depend on the workers")

			want := modelGSUMetrics(t, sd, lus)
			got := res.acc[0].Result()
			// Sums merged per user round apart from one running sum in the last bits only.
			assert.Equal(t, want.Cases, got.Cases)
			assert.InDeltaSlice(t, want.HIT, got.HIT, 1e-12, "the exact per-head variant ranks as the model does")
			assert.InDeltaSlice(t, want.NDCG, got.NDCG, 1e-12)
			assert.InDelta(t, want.MRR, got.MRR, 1e-12)
			assert.InDelta(t, want.MeanRank, got.MeanRank, 1e-12)
			assert.InDelta(t, float64(len(lus)*2), res.top10[0], 1e-9, "the reference agrees with itself")

			read := make([]float64, len(variants))
			for v := range variants {
				read[v] = float64(res.read[v]) / float64(res.cands)
			}
			if tt.wantRead != nil {
				assert.Equal(t, tt.wantRead, read)
				return
			}
			all := float64(min(tt.l, cfg.Heads*cfg.TopK))
			assert.Equal(t, all, read[1], "exact merged keeps heads×K events")
			assert.Equal(t, float64(cfg.TopK), read[2], "the default keeps TopK events")
			assert.Equal(t, float64(min(tt.l, 2*cfg.TopK)), read[3])
			assert.Equal(t, all, read[4])
			for _, v := range []int{0, 5} {
				assert.GreaterOrEqual(t, read[v], float64(cfg.TopK), "per head keeps at least one head's K")
				assert.LessOrEqual(t, read[v], all, "per head keeps at most heads×K")
			}
		})
	}
}

// modelGSUMetrics are the metrics of the model's own scoring (core/eval's ranker with the GSU)
// over the users' cases.
func modelGSUMetrics(t *testing.T, sd *studyData, lus []longUser) metrics.Result {
	t.Helper()
	r, err := eval.NewModelRanker(sd.m, baseline.Strategy{Kind: baseline.GSU}, sd.items)
	require.NoError(t, err)
	acc, err := metrics.NewAccumulator(eval.Ks...)
	require.NoError(t, err)
	scores := make([]float32, 1+candidateNegatives)
	for _, lu := range lus {
		for i := range lu.cases {
			items := append([]int32{lu.cands[i].Positive}, lu.cands[i].Negatives...)
			_, err := r.Score(scores, &lu.cases[i], items)
			require.NoError(t, err)
			require.NoError(t, acc.Add(scores[0], scores[1:]))
		}
	}
	return acc.Result()
}

func TestLongestUsersAndRows(t *testing.T) {
	sd := tinyLongStudy(t)
	evs := sd.d.Users[0].Events
	sd.cases = []eval.Case{
		{User: 0, History: evs[:10], Target: evs[10]},
		{User: 0, History: evs[:40], Target: evs[40]},
		{User: 0, History: evs[:20], Target: evs[20]},
	}
	var err error
	sd.cands, err = eval.SampleCandidates(sd.d, "test", sd.cases, candidateNegatives, candidateSeed)
	require.NoError(t, err)
	tests := []struct {
		minLen int
		want   []int // history lengths kept
	}{
		{minLen: 5, want: []int{10, 40, 20}},
		{minLen: 16, want: []int{40, 20}},
		{minLen: 40, want: nil},
	}
	for _, tt := range tests {
		lus := longestUsers(sd, tt.minLen)
		var got []int
		for _, lu := range lus {
			require.Len(t, lu.cases, 1)
			assert.Equal(t, lu.evs, lu.cases[0].History)
			assert.Equal(t, lu.cases[0].Target.Item, lu.cands[0].Positive)
			got = append(got, len(lu.evs))
		}
		assert.Equal(t, tt.want, got, "min %d", tt.minLen)
	}

	lus := longestUsers(sd, 16)
	variants := longRankVariants(sd.m)
	res, err := rankLongUsers(context.Background(), sd, variants, lus, 2)
	require.NoError(t, err)
	rep := &Report{}
	rep.addLongRanking("tiny", kindRandom, lus, variants, res)
	require.Len(t, rep.LongRanking, len(variants))
	for v, row := range rep.LongRanking {
		assert.Equal(t, variants[v].name, row.Variant)
		assert.Equal(t, 30.0, row.L, "mean history length")
		assert.Equal(t, 2, row.Users)
		assert.Equal(t, 2, row.Cases)
	}
	assert.Equal(t, 0.0, rep.LongRanking[0].DeltaRel)
	assert.Equal(t, 1.0, rep.LongRanking[0].Top10)
	assert.Contains(t, rep.Text(), "## Ranking at long histories")
}

func TestSameCatalogue(t *testing.T) {
	sd := tinyLongStudy(t)
	other, err := synth.LongUsers(tinySeed+1, tinyItems, 10, 1)
	require.NoError(t, err)
	short := &data.Dataset{Items: sd.d.Items[:10]}
	tests := []struct {
		name string
		d    *data.Dataset
		err  string
	}{
		{"same", sd.d, ""},
		{"another seed", other, "item 0"},
		{"fewer items", short, "a catalogue of 10 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sameCatalogue(tt.d, sd)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.err)
		})
	}
}
