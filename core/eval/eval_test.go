package eval

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
)

func tinyDataset(t *testing.T) *data.Dataset {
	t.Helper()
	c := synth.DefaultConfig()
	c.Users, c.Items, c.MinEvents, c.MaxEvents, c.DenseDim = 12, 150, 2, 30, 4
	d, err := synth.Generate(c)
	require.NoError(t, err)
	return d
}

func tinyModel(t *testing.T, d *data.Dataset) *model.Model {
	t.Helper()
	c := model.DefaultConfig()
	c.Dim, c.Heads, c.TopK, c.MLPHidden = 8, 2, 3, []int{6}
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 64, 256, 32
	c.DenseDims = d.DenseDims
	c.Seed = 11
	m, err := model.New(c)
	require.NoError(t, err)
	return m
}

func TestLeaveOneOut(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	require.NotEmpty(t, task.Test)
	require.Len(t, task.Valid, len(task.Test))
	trainEvents := 0
	for _, s := range task.Train {
		trainEvents += len(s)
	}
	total := 0
	for _, u := range d.Users {
		total += len(u.Events)
	}
	assert.Equal(t, total-2*len(task.Test), trainEvents, "every event trains except the evaluated ones")
	for i, c := range task.Test {
		events := d.Users[c.User].Events
		assert.Equal(t, events[len(events)-1], c.Target)
		assert.Equal(t, events[:len(events)-1], c.History)
		v := task.Valid[i]
		assert.Equal(t, events[len(events)-2], v.Target)
		assert.Equal(t, events[:len(events)-2], v.History)
	}
	assert.Positive(t, task.SkippedUsers, "the generator makes users with fewer than 3 events")
}

func TestCandidatesAreFixedSavedAndLoaded(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	a, err := SampleCandidates(d, "test", task.Test, 20, 5)
	require.NoError(t, err)
	b, err := SampleCandidates(d, "test", task.Test, 20, 5)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed draws the same candidates")
	other, err := SampleCandidates(d, "test", task.Test, 20, 6)
	require.NoError(t, err)
	assert.NotEqual(t, a.Cases, other.Cases)
	for i, c := range a.Cases {
		seen := map[int32]bool{}
		for _, e := range d.Users[c.User].Events {
			seen[e.Item] = true
		}
		assert.Equal(t, task.Test[i].Target.Item, c.Positive)
		for _, it := range c.Negatives {
			assert.False(t, seen[it], "negative %d was seen by the user", it)
		}
		sorted := slices.Clone(c.Negatives)
		slices.Sort(sorted)
		assert.Len(t, slices.Compact(sorted), 20, "negatives are distinct")
	}
	require.NoError(t, a.Check(d, task.Test))

	var buf bytes.Buffer
	sum, err := SaveCandidates(&buf, a)
	require.NoError(t, err)
	loaded, sum2, err := LoadCandidates(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, a, loaded)
	assert.Equal(t, sum, sum2)
	assert.Len(t, sum, 64)

	tests := []struct {
		name   string
		mutate func(c *Candidates)
	}{
		{"other dataset", func(c *Candidates) { c.Dataset = "other" }},
		{"missing case", func(c *Candidates) { c.Cases = c.Cases[1:] }},
		{"other positive", func(c *Candidates) { c.Cases[0].Positive++ }},
		{"negative is the positive", func(c *Candidates) { c.Cases[0].Negatives[0] = c.Cases[0].Positive }},
		{"short", func(c *Candidates) { c.Cases[0].Negatives = c.Cases[0].Negatives[1:] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := LoadCandidates(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			tt.mutate(c)
			assert.Error(t, c.Check(d, task.Test))
		})
	}
	_, err = SampleCandidates(d, "test", task.Test, len(d.Items), 5)
	assert.Error(t, err, "more negatives than unseen items")
}

// recorder is a Ranker that writes down what it was asked and scores items by a fixed rule.
type recorder struct {
	mu    *sync.Mutex
	asked map[int32][]int32
	score func(c *Case, item int32) float32
}

func (r recorder) Score(dst []float32, c *Case, items []int32) (int, error) {
	r.mu.Lock()
	r.asked[c.User] = slices.Clone(items)
	r.mu.Unlock()
	for i, it := range items {
		dst[i] = r.score(c, it)
	}
	return len(c.History), nil
}

func TestEvaluateRanksTheSavedCandidatesDeterministically(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	cands, err := SampleCandidates(d, "test", task.Test, 10, 1)
	require.NoError(t, err)
	rules := []struct {
		name  string
		score func(c *Case, item int32) float32
		hit1  float64
	}{
		{"oracle", func(c *Case, item int32) float32 { return float32(boolF(item == c.Target.Item)) }, 1},
		{"constant", func(*Case, int32) float32 { return 0 }, 1.0 / 11},
		{"by item index", func(_ *Case, item int32) float32 { return float32(item) }, -1},
	}
	for _, rule := range rules {
		t.Run(rule.name, func(t *testing.T) {
			var results []Report
			for _, workers := range []int{1, 3, 3} {
				var mu sync.Mutex
				asked := map[int32][]int32{}
				rep, err := Evaluate(context.Background(), task.Test, cands, workers, func() (Ranker, error) {
					return recorder{mu: &mu, asked: asked, score: rule.score}, nil
				}, nil)
				require.NoError(t, err)
				for i, c := range cands.Cases {
					assert.Equal(t, append([]int32{c.Positive}, c.Negatives...), asked[task.Test[i].User])
				}
				rep.Seconds = 0
				results = append(results, rep)
			}
			assert.Equal(t, results[1], results[2], "the same worker count gives the same bits")
			assert.InDelta(t, results[0].MRR, results[1].MRR, 1e-12, "other worker counts round differently only")
			assert.InDelta(t, results[0].AUC, results[1].AUC, 1e-12)
			if rule.hit1 >= 0 {
				assert.InDelta(t, rule.hit1, results[0].HIT[0], 1e-12)
			}
			assert.Equal(t, len(task.Test), results[0].Cases)
		})
	}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestModelRankerMatchesScorer checks that the ranker's cached event vectors give exactly
// core/model.Scorer's scores: Score for the model's GSU, ScoreSelected for other rules.
func TestModelRankerMatchesScorer(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	m := tinyModel(t, d)
	for _, s := range []baseline.Strategy{{Kind: baseline.GSU}, {Kind: baseline.LastN, K: 2}, {Kind: baseline.SimHash, K: 3, Bits: 8}} {
		t.Run(s.String(), func(t *testing.T) {
			r, err := NewModelRanker(m, s, d.Items)
			require.NoError(t, err)
			sel, err := s.NewSelector(m, d.Items)
			require.NoError(t, err)
			scorer := model.NewScorer(m)
			target := make([]float32, m.Dim())
			items := []int32{0, 5, 17, 42, 99}
			got := make([]float32, len(items))
			for _, c := range task.Test {
				_, err := r.Score(got, &c, items)
				require.NoError(t, err)
				h := m.NewHistory(len(c.History))
				for _, e := range c.History {
					require.NoError(t, scorer.Encoder().AppendEvent(h, e.Query, e.Kind, &d.Items[e.Item]))
				}
				require.NoError(t, sel.Prepare(h.Vectors(), c.History))
				for i, it := range items {
					var want float32
					if s.Kind == baseline.GSU {
						want, err = scorer.Score(h, c.Target.Query, c.Target.Kind, &d.Items[it])
					} else {
						require.NoError(t, scorer.Encoder().EventVector(target, c.Target.Query, c.Target.Kind, &d.Items[it]))
						kept, serr := sel.Select(nil, target, &d.Items[it], 0, len(c.History))
						require.NoError(t, serr)
						want, err = scorer.ScoreSelected(h, target, kept)
					}
					require.NoError(t, err)
					assert.Equal(t, want, got[i], "bit-identical score")
				}
			}
		})
	}
}

func TestModelRankerRejectsBadItems(t *testing.T) {
	d := tinyDataset(t)
	m := tinyModel(t, d)
	r, err := NewModelRanker(m, baseline.Strategy{Kind: baseline.GSU}, d.Items)
	require.NoError(t, err)
	c := &Case{History: []data.Event{{Kind: data.Browse, Item: 1}}, Target: data.Event{Kind: data.Browse, Item: 2}}
	_, err = r.Score(make([]float32, 1), c, []int32{int32(len(d.Items))})
	assert.Error(t, err)
	_, err = r.Score(make([]float32, 2), c, []int32{1})
	assert.Error(t, err, "scores and items differ in length")
	c.History[0].Item = -1
	_, err = r.Score(make([]float32, 1), c, []int32{1})
	assert.Error(t, err)
}

func TestBestBuyHeldOut(t *testing.T) {
	dir := t.TempDir()
	header := "user,sku,category,query,click_time,query_time\n"
	train := header +
		"u1,100,cat,halo  3,2011-09-01 10:00:00.5,2011-09-01 09:59:00\n" +
		"u1,200,cat,gears,2011-09-02 10:00:00,2011-09-02 09:59:00\n" +
		"u2,100,cat,halo,2011-09-03 10:00:00,2011-09-03 09:59:00\n" +
		"u3,300,cat,madden,2011-09-03 11:00:00,2011-09-03 10:59:00\n"
	test := header +
		"u1,300,cat,madden 12,2011-09-05 10:00:00.25,2011-09-05 09:59:00\n" +
		"u2,200,cat,gears of war,2011-09-01 08:00:00,2011-09-01 07:59:00\n" +
		"u4,200,cat,gears,2011-09-06 10:00:00,2011-09-06 09:59:00\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "train.csv"), []byte(train), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "test.csv"), []byte(test), 0o644))
	d, err := convert.BestBuy(dir)
	require.NoError(t, err)
	task, err := BestBuyHeldOut(d, filepath.Join(dir, "test.csv"))
	require.NoError(t, err)

	cases := append(slices.Clone(task.Valid), task.Test...)
	require.Len(t, cases, 3, "every test.csv click is a case")
	byUser := map[string]Case{}
	for _, c := range cases {
		byUser[d.Users[c.User].ID] = c
	}
	assert.Equal(t, "madden 12", byUser["u1"].Target.Query)
	assert.Len(t, byUser["u1"].History, 2, "u1's two earlier train.csv clicks")
	assert.Empty(t, byUser["u2"].History, "u2's test click came before its train click")
	assert.Empty(t, byUser["u4"].History)
	trained := 0
	for _, s := range task.Train {
		trained += len(s)
		for _, e := range s {
			assert.NotContains(t, []string{"madden 12", "gears of war"}, e.Query, "no held-out click trains")
		}
	}
	assert.Equal(t, 4, trained)

	_, err = BestBuyHeldOut(d, filepath.Join(dir, "missing.csv"))
	assert.Error(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.csv"), []byte(header+"u9,100,cat,halo,2011-09-01 10:00:00,2011-09-01 10:00:00\n"), 0o644))
	_, err = BestBuyHeldOut(d, filepath.Join(dir, "other.csv"))
	assert.Error(t, err, "a click that is not in the dataset")
}

func TestModelRankerAllocatesNothingOnceWarm(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	m := tinyModel(t, d)
	for _, s := range []baseline.Strategy{{Kind: baseline.GSU}, {Kind: baseline.SameAttr, K: 3}} {
		r, err := NewModelRanker(m, s, d.Items)
		require.NoError(t, err)
		c := &task.Test[0]
		items := []int32{3, 1, 4, 1, 5, 9, 2, 6}
		scores := make([]float32, len(items))
		_, err = r.Score(scores, c, items)
		require.NoError(t, err)
		assert.Zero(t, testing.AllocsPerRun(10, func() { _, err = r.Score(scores, c, items) }), s.String())
		require.NoError(t, err)
	}
}

func TestHistoryBuckets(t *testing.T) {
	tests := []struct{ n, bucket int }{{0, 0}, {31, 0}, {32, 1}, {127, 1}, {128, 2}, {511, 2}, {512, 3}, {100000, 3}}
	for _, tt := range tests {
		assert.Equal(t, tt.bucket, bucketOf(tt.n), "history of %d events", tt.n)
	}
}
