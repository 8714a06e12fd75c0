package baseline

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
)

// Selector applies one Strategy for one goroutine. Prepare it with a history, then Select the
// events for each target. After the first calls have sized its buffers, Select allocates
// nothing and Prepare only grows the SimHash signature buffer for a longer history.
type Selector struct {
	strategy Strategy
	m        *model.Model
	items    []data.Item
	dim, k   int

	vecs   []float32
	events []data.Event

	gq     []float32 // Heads×d folded GSU queries
	scores []float32 // L×Heads GSU scores of the range searched
	rev    []float32 // one head's scores of the range, last event first
	top    []int32   // positions in rev of one head's top K
	kept   []bool    // events of the range kept by some head
	heaps  []model.TopK

	planes []float32 // Bits×d SimHash hyperplanes
	sigs   []uint64  // signature of each prepared event
}

// NewSelector returns a Selector of s for model m over the catalogue items (which SameAttr
// reads through the events' item indices).
func (s Strategy) NewSelector(m *model.Model, items []data.Item) (*Selector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := m.Config()
	sel := &Selector{strategy: s, m: m, items: items, dim: c.Dim, k: s.K}
	heads := 1
	switch s.Kind {
	case GSU:
		sel.k = c.TopK
		sel.gq = make([]float32, c.Heads*c.Dim)
	case SimHash:
		r := rand.New(rand.NewPCG(s.Seed, 0x5157))
		sel.planes = make([]float32, s.Bits*c.Dim)
		for i := range sel.planes {
			sel.planes[i] = float32(r.NormFloat64())
		}
	}
	if s.Kind == SimHash {
		sel.heaps = make([]model.TopK, heads)
		for h := range sel.heaps {
			sel.heaps[h] = model.NewTopK(sel.k)
		}
	}
	return sel, nil
}

// Strategy returns the rule the Selector applies.
func (sel *Selector) Strategy() Strategy { return sel.strategy }

// Prepare sets the history the next Selects choose from: vectors is its L×d matrix of event
// vectors (s_j, as core/model encodes them) and events its L events, in time order. Both are
// read in place until the next Prepare.
func (sel *Selector) Prepare(vectors []float32, events []data.Event) error {
	if len(vectors) != len(events)*sel.dim {
		return fmt.Errorf("baseline: %d event vectors of width %d for %d events", len(vectors), sel.dim, len(events))
	}
	if sel.strategy.Kind == SameAttr {
		for j, e := range events {
			if e.Item < 0 || int(e.Item) >= len(sel.items) {
				return fmt.Errorf("baseline: event %d has item %d of a catalogue of %d", j, e.Item, len(sel.items))
			}
		}
	}
	sel.vecs, sel.events = vectors, events
	if sel.strategy.Kind == SimHash {
		sel.sigs = slices.Grow(sel.sigs[:0], len(events))[:len(events)]
		for j := range events {
			sel.sigs[j] = sel.signature(vectors[j*sel.dim : (j+1)*sel.dim])
		}
	}
	return nil
}

// Select appends to dst[:0] the indices, ascending, of the events in [from, to) of the prepared
// history that the ESU reads for the target with event vector target and candidate item item,
// and returns it. Indices are absolute (into the prepared history).
func (sel *Selector) Select(dst []int32, target []float32, item *data.Item, from, to int) ([]int32, error) {
	dst = dst[:0]
	if from < 0 || to > len(sel.events) || from > to {
		return dst, fmt.Errorf("baseline: range [%d, %d) of a history of %d", from, to, len(sel.events))
	}
	if len(target) != sel.dim {
		return dst, fmt.Errorf("baseline: target vector of length %d, want %d", len(target), sel.dim)
	}
	switch sel.strategy.Kind {
	case GSU:
		return sel.gsu(dst, target, from, to)
	case LastN:
		for j := max(from, to-sel.k); j < to; j++ {
			dst = append(dst, int32(j))
		}
	case SameAttr:
		if item == nil {
			return dst, fmt.Errorf("baseline: same-attr needs the candidate item")
		}
		for j := to - 1; j >= from && len(dst) < sel.k; j-- {
			if sel.shares(&sel.items[sel.events[j].Item], item) {
				dst = append(dst, int32(j))
			}
		}
		slices.Reverse(dst)
	case SimHash:
		sig := sel.signature(target)
		hp := &sel.heaps[0]
		hp.Reset()
		for j := from; j < to; j++ {
			sim := float32(sel.strategy.Bits - bits.OnesCount64(sel.sigs[j]^sig))
			hp.Offer(sim, int32(j))
		}
		dst = append(dst, hp.Indices()...)
		slices.Sort(dst)
	}
	return dst, nil
}

// gsu keeps what core/model.Scorer's GSU keeps: everything when the range holds at most K
// events, else the union over heads of each head's top K (ties to the later event). The scores
// are MatVec's (kernels.MatVecs, bit-identical), and each head's top K is fastscan.TopKFloat's
// selection rather than a heap of K followed by a sort of the union: the heaps and the sort were
// a fifth of finetuning's time. The kept events come out ascending by marking them over the
// range.
func (sel *Selector) gsu(dst []int32, target []float32, from, to int) ([]int32, error) {
	if to-from <= sel.k {
		for j := from; j < to; j++ {
			dst = append(dst, int32(j))
		}
		return dst, nil
	}
	if err := sel.m.GSUQueries(sel.gq, target); err != nil {
		return dst, fmt.Errorf("baseline: %w", err)
	}
	d, n := sel.dim, to-from
	heads := len(sel.gq) / d
	sel.scores = slices.Grow(sel.scores[:0], n*heads)[:n*heads]
	sel.rev = slices.Grow(sel.rev[:0], n)[:n]
	sel.kept = slices.Grow(sel.kept[:0], n)[:n]
	clear(sel.kept)
	kernels.MatVecs(sel.scores, sel.gq, sel.vecs[from*d:to*d], n)
	for h := range heads {
		for j := range n {
			sel.rev[n-1-j] = sel.scores[j*heads+h]
		}
		sel.top = markTop(sel.kept, sel.rev, sel.k, sel.top)
	}
	for j, k := range sel.kept {
		if k {
			dst = append(dst, int32(from+j))
		}
	}
	return dst, nil
}

// markTop marks in kept the k best events of one head by core/model.TopK's order, the higher
// score first and the later event on a tie, given their scores in rev, last event first:
// fastscan.TopKFloat breaks ties to the lower position, which in rev is the later event. It
// returns idx, the selection's buffer, for reuse.
func markTop(kept []bool, rev []float32, k int, idx []int32) []int32 {
	n := len(rev)
	idx = fastscan.TopKFloat(rev, k, idx)
	for _, i := range idx {
		kept[n-1-int(i)] = true
	}
	return idx
}

// shares reports whether the two items have an attribute value in common (of the strategy's
// field, or any field=value pair when it has none).
func (sel *Selector) shares(a, b *data.Item) bool {
	field := sel.strategy.Field
	for _, x := range a.Attrs {
		if field != "" && x.Field != field {
			continue
		}
		for _, y := range b.Attrs {
			if x == y {
				return true
			}
		}
	}
	return false
}

// signature is the SimHash of v: bit b is set when v lies on the positive side of hyperplane b.
func (sel *Selector) signature(v []float32) uint64 {
	var sig uint64
	d := sel.dim
	for b := range sel.strategy.Bits {
		if kernels.Dot(sel.planes[b*d:(b+1)*d], v) >= 0 {
			sig |= 1 << b
		}
	}
	return sig
}
