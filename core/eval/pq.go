package eval

import (
	"fmt"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// PQRanker scores candidates as a device does: the case's history encoded into a
// retrieval.Store of product-quantization codes, then retrieval.Ranker.Rank with the given
// options (the approximate GSU over the codes, the ESU over the kept events).
type PQRanker struct {
	items []data.Item
	store *retrieval.Store
	r     *retrieval.Ranker
	opt   retrieval.Options
	cands []retrieval.Candidate
}

// NewPQRanker returns a Ranker that ranks through codec c (and the model it was trained for)
// over the catalogue items with options opt.
func NewPQRanker(c *retrieval.Codec, items []data.Item, opt retrieval.Options) *PQRanker {
	return &PQRanker{items: items, store: retrieval.NewStore(c, retrieval.StoreOptions{}), r: retrieval.NewRanker(c), opt: opt}
}

// Score implements Ranker.
func (p *PQRanker) Score(dst []float32, c *Case, items []int32) (int, error) {
	if len(dst) != len(items) {
		return 0, fmt.Errorf("eval: %d scores for %d items", len(dst), len(items))
	}
	p.store.Reset()
	for _, e := range c.History {
		item, err := p.item(e.Item)
		if err != nil {
			return 0, err
		}
		if err := p.store.Append(retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: item}); err != nil {
			return 0, fmt.Errorf("eval: user %d: %w", c.User, err)
		}
	}
	p.cands = p.cands[:0]
	for _, it := range items {
		item, err := p.item(it)
		if err != nil {
			return 0, err
		}
		p.cands = append(p.cands, retrieval.Candidate{Query: c.Target.Query, Kind: c.Target.Kind, Item: item})
	}
	res, err := p.r.Rank(p.store, p.cands, p.opt)
	if err != nil {
		return 0, fmt.Errorf("eval: user %d: %w", c.User, err)
	}
	copy(dst, res.Scores)
	return res.EventsRead, nil
}

func (p *PQRanker) item(i int32) (*data.Item, error) {
	if i < 0 || int(i) >= len(p.items) {
		return nil, fmt.Errorf("eval: item %d of a catalogue of %d", i, len(p.items))
	}
	return &p.items[i], nil
}
