package quantize

import (
	"context"
	"fmt"
	"os"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// TwoStage is the default preset: retrieval.LayoutTwoStage at any width, LayoutCompact's
// groups with d/2 sub-spaces, and a fine codebook of d/4 sub-spaces (retrieval.DefaultFine at
// d = 64).
const TwoStage = "two-stage"

// presets are the codec layouts known by name; see package retrieval.
var presets = map[string]string{
	TwoStage:     retrieval.LayoutCompact,
	"compact":    retrieval.LayoutCompact,
	"query-item": retrieval.LayoutQueryItem,
	"parts":      retrieval.LayoutParts,
}

// FineAuto asks for the fine codebook the layout implies: d/4 sub-spaces with the two-stage
// preset at 4 bits, none otherwise.
const FineAuto = -1

// Options choose the codec to train.
type Options struct {
	// Layout is a preset name or a list of groups such as 'query+id+text+attrs+dense:64,query:4'.
	Layout string
	// Subspaces are the sub-spaces of groups the layout gives no count; 0: d/2 for the
	// two-stage preset, d otherwise.
	Subspaces int
	Bits      int // 4 (fast scan) or 8 (ADC)
	// Fine is the sub-spaces of the 8-bit fine codebook of the residual (4-bit codes only):
	// 0 for none, FineAuto for the layout's choice.
	Fine      int
	MaxEvents int // train on at most this many events, taken evenly; 0: all
	Seed      uint64
}

// Train trains a codec for m on events, thinned to opts.MaxEvents.
func Train(ctx context.Context, m *model.Model, events []retrieval.Event, opts Options) (*retrieval.Codec, error) {
	specs, err := opts.specs(m)
	if err != nil {
		return nil, err
	}
	if opts.MaxEvents > 0 && len(events) > opts.MaxEvents {
		thinned := make([]retrieval.Event, opts.MaxEvents)
		for i := range thinned {
			thinned[i] = events[i*len(events)/opts.MaxEvents]
		}
		events = thinned
	}
	fine := opts.Fine
	if fine < 0 {
		fine = 0
		if opts.Layout == TwoStage && opts.Bits == 4 {
			fine = m.Dim() / 4
		}
	}
	return retrieval.TrainCodec(ctx, m, events, retrieval.TrainOptions{
		Layout: specs, Bits: opts.Bits, Fine: fine, KMeans: pq.KMeansOptions{Seed: opts.Seed},
	})
}

// specs resolves the layout for m: a model without dense slots leaves the dense part out of
// the presets, since it is always zero.
func (o Options) specs(m *model.Model) ([]retrieval.GroupSpec, error) {
	layout, preset := presets[o.Layout]
	if !preset {
		layout = o.Layout
	}
	if preset && len(m.Config().DenseDims) == 0 {
		layout = retrieval.WithoutDense(layout)
	}
	sub := o.Subspaces
	switch {
	case sub == 0 && o.Layout == TwoStage:
		sub = m.Dim() / 2
	case sub == 0:
		sub = m.Dim()
	}
	return retrieval.ParseLayout(layout, sub)
}

// Events lists the events of users (indices into d.Users, all when nil) as retrieval events,
// dropping dense vectors of slots the model lacks.
func Events(d *data.Dataset, users []int, m *model.Model) []retrieval.Event {
	items := ModelItems(d, m)
	var evs []retrieval.Event
	add := func(u data.User) {
		for _, e := range u.Events {
			evs = append(evs, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &items[e.Item]})
		}
	}
	if users == nil {
		for _, u := range d.Users {
			add(u)
		}
	}
	for _, u := range users {
		add(d.Users[u])
	}
	return evs
}

// ModelItems returns d's items as m can encode them: dense slots beyond the model's dropped.
func ModelItems(d *data.Dataset, m *model.Model) []data.Item {
	slots := len(m.Config().DenseDims)
	items := make([]data.Item, len(d.Items))
	for i, it := range d.Items {
		if len(it.Dense) > slots {
			it.Dense = it.Dense[:slots]
		}
		items[i] = it
	}
	return items
}

// ReadModel loads a model file and its extra sections.
func ReadModel(path string) (*model.Model, map[string][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, extras, err := modelfile.Load(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, extras, nil
}
