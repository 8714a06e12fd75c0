package train

import (
	"errors"
	"fmt"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
)

// Corpus is what a model trains on: a catalogue and the users' training sequences over it.
type Corpus struct {
	Items []data.Item
	// Sequences holds one training sequence per user, in time order (for a leave-one-out split,
	// each user's events but the last two).
	Sequences [][]data.Event
}

// Targets is the number of events of the corpus: the ranking targets of one epoch.
func (c *Corpus) Targets() int {
	n := 0
	for _, s := range c.Sequences {
		n += len(s)
	}
	return n
}

// noQuery is the query index of events that use the learned "no query" embedding.
const noQuery = -1

// itemRows are the table rows of one item's modalities.
type itemRows struct {
	mask  model.Mask
	id    int32
	text  []int32
	attrs []int32
}

// features are the corpus with every hash resolved to a table row, computed once: the rows do
// not depend on the weights.
type features struct {
	corpus  *Corpus
	items   []itemRows
	queries [][]int32 // token rows of each distinct query
	// eventQuery[u][i] is the query index of event i of user u, or noQuery.
	eventQuery [][]int32
	// flat lists every (user, position) of the corpus, for drawing negative pairs.
	flat []eventRef
}

type eventRef struct{ user, pos int32 }

func newFeatures(m *model.Model, c *Corpus) (*features, error) {
	if len(c.Items) == 0 {
		return nil, errors.New("train: empty catalogue")
	}
	cfg := m.Config()
	f := &features{corpus: c, items: make([]itemRows, len(c.Items))}
	for i := range c.Items {
		it := &c.Items[i]
		if err := m.CheckItem(it); err != nil {
			return nil, fmt.Errorf("train: item %d: %w", i, err)
		}
		r := itemRows{mask: m.Present(it), id: int32(model.Bucket(model.HashID(it.ID), cfg.IDBuckets))}
		r.text = tokenRows(nil, it.Text, cfg.TokenBuckets)
		for _, a := range it.Attrs {
			r.attrs = append(r.attrs, int32(model.Bucket(model.HashAttr(a.Field, a.Value), cfg.AttrBuckets)))
		}
		f.items[i] = r
	}
	index := make(map[string]int32)
	f.eventQuery = make([][]int32, len(c.Sequences))
	for u, seq := range c.Sequences {
		qs := make([]int32, len(seq))
		for i, e := range seq {
			if e.Item < 0 || int(e.Item) >= len(c.Items) {
				return nil, fmt.Errorf("train: user %d event %d: item %d of a catalogue of %d", u, i, e.Item, len(c.Items))
			}
			qs[i] = f.queryIndex(index, e, cfg.TokenBuckets)
			f.flat = append(f.flat, eventRef{int32(u), int32(i)})
		}
		f.eventQuery[u] = qs
	}
	if len(f.flat) == 0 {
		return nil, errors.New("train: the corpus has no events")
	}
	return f, nil
}

// queryIndex returns the index of the event's query, adding it on first sight: noQuery for a
// browse event or a query without words, as core/model encodes them.
func (f *features) queryIndex(index map[string]int32, e data.Event, buckets int) int32 {
	if e.Kind == data.Browse {
		return noQuery
	}
	if q, ok := index[e.Query]; ok {
		return q
	}
	rows := tokenRows(nil, e.Query, buckets)
	q := int32(noQuery)
	if len(rows) > 0 {
		q = int32(len(f.queries))
		f.queries = append(f.queries, rows)
	}
	index[e.Query] = q
	return q
}

func tokenRows(dst []int32, text string, buckets int) []int32 {
	tokens := model.NewTokens(text)
	for h, ok := tokens.Next(); ok; h, ok = tokens.Next() {
		dst = append(dst, int32(model.Bucket(h, buckets)))
	}
	return dst
}
