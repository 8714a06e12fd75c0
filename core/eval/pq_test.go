package eval

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

func TestPQRankerRanksThroughTheStore(t *testing.T) {
	d := tinyDataset(t)
	task, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	m := tinyModel(t, d)
	var events []retrieval.Event
	for _, seq := range task.Train {
		for _, e := range seq {
			events = append(events, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &d.Items[e.Item]})
		}
	}
	layout, err := retrieval.ParseLayout(retrieval.LayoutCompact, m.Dim()/2)
	require.NoError(t, err)
	codec, err := retrieval.TrainCodec(context.Background(), m, events, retrieval.TrainOptions{
		Layout: layout, Bits: 4, KMeans: pq.KMeansOptions{Seed: 1, MaxIter: 5}})
	require.NoError(t, err)
	items := []int32{0, 5, 17, 42, 99}
	for _, opt := range []retrieval.Options{{}, {Heads: retrieval.PerHead}, {K: 2}} {
		r := NewPQRanker(codec, d.Items, opt)
		want := retrieval.NewRanker(codec)
		got := make([]float32, len(items))
		for _, c := range task.Test {
			read, err := r.Score(got, &c, items)
			require.NoError(t, err)
			s := retrieval.NewStore(codec, retrieval.StoreOptions{})
			for _, e := range c.History {
				require.NoError(t, s.Append(retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &d.Items[e.Item]}))
			}
			var cands []retrieval.Candidate
			for _, it := range items {
				cands = append(cands, retrieval.Candidate{Query: c.Target.Query, Kind: c.Target.Kind, Item: &d.Items[it]})
			}
			res, err := want.Rank(s, cands, opt)
			require.NoError(t, err)
			assert.Equal(t, res.Scores, got, "user %d", c.User)
			assert.Equal(t, res.EventsRead, read)
			assert.Positive(t, read)
		}
	}
	r := NewPQRanker(codec, d.Items, retrieval.Options{})
	c := &Case{History: []data.Event{{Kind: data.Browse, Item: 1}}, Target: data.Event{Kind: data.Browse, Item: 2}}
	_, err = r.Score(make([]float32, 1), c, []int32{int32(len(d.Items))})
	assert.ErrorContains(t, err, "item 150 of a catalogue of 150")
	_, err = r.Score(make([]float32, 2), c, []int32{1})
	assert.ErrorContains(t, err, "2 scores for 1 items")
	c.History[0].Item = -1
	_, err = r.Score(make([]float32, 1), c, []int32{1})
	assert.ErrorContains(t, err, "item -1")
}
