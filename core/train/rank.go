package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/model"
)

// masked is the attention score added to events a candidate's retrieval did not keep: its
// softmax weight underflows to exactly 0, as if the event were not there.
const masked = -1e30

// worker is the state of one tape: encoder, selector and buffers. Recording a chunk allocates
// nothing once the buffers have grown to the largest chunk.
type worker struct {
	enc *encoder
	sel *baseline.Selector

	evQ, evI   []int32 // query and item slots of the history events
	tgQ, tgI   []int32 // query and item slots of the target pairs
	kept       [][]int32
	union      []int32
	rows       []int32
	buckets    []int32 // age bucket of each event of union
	heads      []autodiff.Var
	perTarget  []autodiff.Var
	headParts  []autodiff.Var
	targets    []int32
	labels     []float32
	chunkParts [numParts]float64 // the loss components of the chunk being recorded
}

// rankShape fixes the ranking forward pass.
type rankShape struct {
	maxHistory int // most recent events a target's history holds
	negatives  int
	bce        bool // binary cross-entropy instead of sampled softmax
	// gsuWeight > 0 adds that multiple of the next-pair loss (temperature gsuTemp) over the same
	// candidates, the only gradient the GSU's weights get in finetuning.
	gsuWeight, gsuTemp float32
	sasrec             bool // the SASRec-style baseline (recordSASRec) instead of target attention
}

// window returns the history events [lo, hi) of segment s: the events before its last target,
// from the earliest one any of its targets sees.
func window(s segment, maxHistory int) (lo, hi int32) {
	return max(0, s.from-int32(maxHistory)), s.to - 1
}

// encodeRanking encodes chunk c's history events (w.evQ, w.evI, the window each segment's
// targets see) and its targets, each followed by its negatives under the target's query
// (w.tgQ, w.tgI): the inputs of every ranking model.
func (w *worker) encodeRanking(t *autodiff.Tape, f *features, c *chunk, sh rankShape) {
	enc := w.enc
	enc.reset()
	w.evQ, w.evI, w.tgQ, w.tgI = w.evQ[:0], w.evI[:0], w.tgQ[:0], w.tgI[:0]
	neg := 0
	for _, s := range c.segs {
		seq, qs := f.corpus.Sequences[s.user], f.eventQuery[s.user]
		lo, hi := window(s, sh.maxHistory)
		for j := lo; j < hi; j++ {
			w.evQ = append(w.evQ, enc.query(qs[j]))
			w.evI = append(w.evI, enc.item(seq[j].Item))
		}
		for p := s.from; p < s.to; p++ {
			q := enc.query(qs[p])
			w.tgQ = append(w.tgQ, q)
			w.tgI = append(w.tgI, enc.item(seq[p].Item))
			for range sh.negatives {
				w.tgQ = append(w.tgQ, q)
				w.tgI = append(w.tgI, enc.item(c.negItems[neg]))
				neg++
			}
		}
	}
	enc.encode(t)
}

// recordRanking records the ranking loss of chunk c and returns it. It also returns the
// (targets × candidates) logits, the positive first in each row.
func (w *worker) recordRanking(t *autodiff.Tape, b *binding, f *features, c *chunk, sh rankShape) (loss, logits autodiff.Var, err error) {
	enc := w.enc
	cands := 1 + sh.negatives
	w.encodeRanking(t, f, c, sh)
	var hist, ke, ve autodiff.Var
	if len(w.evQ) > 0 {
		hist = enc.pairs(t, w.evQ, w.evI)
		ke = t.MatMulT(hist, b.dense(t, b.esuK))
		ve = t.MatMulT(hist, b.dense(t, b.esuV))
	}
	tg := enc.pairs(t, w.tgQ, w.tgI)
	qe := t.MatMulT(tg, b.dense(t, b.esuQ))
	if err := t.Err(); err != nil {
		return loss, logits, err
	}
	histVals, tgVals := t.Value(hist), t.Value(tg)
	d := b.cfg.Dim
	w.heads = w.heads[:0]
	row, target := int32(0), 0 // first history row of the segment, target index
	for _, s := range c.segs {
		seq := f.corpus.Sequences[s.user]
		lo, hi := window(s, sh.maxHistory)
		if err := w.sel.Prepare(histVals[int(row)*d:int(row+hi-lo)*d], seq[lo:hi]); err != nil {
			return loss, logits, err
		}
		for p := s.from; p < s.to; p++ {
			from := max(0, p-int32(sh.maxHistory)) - lo
			h, err := w.attend(t, b, f, ke, ve, qe, tgVals, target, cands, row, from, p-lo)
			if err != nil {
				return loss, logits, err
			}
			w.heads = append(w.heads, h)
			target++
		}
		row += hi - lo
	}
	heads := enc.concatRows(t, w.heads)
	out := t.MatMulT(heads, b.dense(t, b.esuO))
	x := t.Concat(out, tg, t.Mul(out, tg))
	for l := range b.mlpW {
		x = t.AddBias(t.MatMulT(x, b.dense(t, b.mlpW[l])), b.dense(t, b.mlpB[l]))
		if l < len(b.mlpW)-1 {
			x = t.ReLU(x)
		}
	}
	logits = t.Reshape(x, target, cands)
	if sh.bce {
		w.labels = w.labels[:0]
		for i := range target * cands {
			w.labels = append(w.labels, float32(boolInt(i%cands == 0)))
		}
		loss = t.BCEWithLogits(logits, w.labels)
	} else {
		w.targets = w.targets[:0]
		for range target {
			w.targets = append(w.targets, 0)
		}
		loss = t.CrossEntropy(logits, w.targets, 1)
	}
	if sh.gsuWeight > 0 {
		next := w.nextLoss(t, b, f, c, psuShape{prefix: sh.maxHistory, negatives: sh.negatives, nextTemp: sh.gsuTemp}, cands)
		if next.Valid() {
			loss = t.Add(loss, t.Scale(next, sh.gsuWeight))
		}
	}
	return loss, logits, t.Err()
}

// attend records the ESU outputs (cands × d, before W_O) of the candidates of one target whose
// rows in the target matrix start at target·cands, over the events its retrieval keeps among
// history rows [row+from, row+to).
func (w *worker) attend(t *autodiff.Tape, b *binding, f *features, ke, ve, qe autodiff.Var, tgVals []float32,
	target, cands int, row, from, to int32) (autodiff.Var, error) {
	d, heads := b.cfg.Dim, b.cfg.Heads
	dh := d / heads
	for len(w.kept) < cands {
		w.kept = append(w.kept, nil)
	}
	w.union = w.union[:0]
	empty, same := 0, true
	for c := range cands {
		r := target*cands + c
		item := &f.corpus.Items[w.enc.items[w.tgI[r]]]
		kept, err := w.sel.Select(w.kept[c], tgVals[r*d:(r+1)*d], item, int(from), int(to))
		if err != nil {
			return autodiff.Var{}, fmt.Errorf("train: retrieval: %w", err)
		}
		w.kept[c] = kept
		if len(kept) == 0 {
			empty++
		}
		if c > 0 && !equalInt32(kept, w.kept[0]) {
			same = false
		}
		w.union = append(w.union, kept...)
	}
	slices.Sort(w.union)
	w.union = slices.Compact(w.union)
	if len(w.union) == 0 {
		return t.Input(w.enc.arena.alloc(cands*d), cands, d), nil
	}
	w.rows = w.rows[:0]
	for _, j := range w.union {
		w.rows = append(w.rows, row+j)
	}
	k := t.GatherRows(ke, w.rows)
	v := t.GatherRows(ve, w.rows)
	q := t.SliceRows(qe, target*cands, (target+1)*cands)
	var mask autodiff.Var
	if !same {
		u := len(w.union)
		vals := w.enc.arena.alloc(cands * u)
		for c := range cands {
			kept := w.kept[c]
			i := 0
			for col, j := range w.union {
				if i < len(kept) && kept[i] == j {
					i++
				} else {
					vals[c*u+col] = masked
				}
			}
		}
		mask = t.Input(vals, cands, u)
	}
	var age autodiff.Var // len(union)×heads: each kept event's age bias, per head
	if nb := b.cfg.AgeBuckets; nb > 0 {
		w.buckets = w.buckets[:0]
		for _, j := range w.union {
			w.buckets = append(w.buckets, int32(model.AgeBucket(int(to-1-j), nb)))
		}
		age = b.rows(t, b.esuAge, w.buckets, &w.enc.arena)
	}
	inv := float32(1 / math.Sqrt(float64(dh)))
	w.headParts = w.headParts[:0]
	for h := range heads {
		scores := t.Scale(t.MatMulT(t.SliceCols(q, h*dh, (h+1)*dh), t.SliceCols(k, h*dh, (h+1)*dh)), inv)
		if age.Valid() {
			scores = t.AddBias(scores, t.Reshape(t.SliceCols(age, h, h+1), 1, len(w.union)))
		}
		if mask.Valid() {
			scores = t.Add(scores, mask)
		}
		w.headParts = append(w.headParts, t.MatMul(t.Softmax(scores), t.SliceCols(v, h*dh, (h+1)*dh)))
	}
	out := t.Concat(w.headParts...)
	if empty > 0 {
		// A candidate whose retrieval kept nothing reads no event: o = 0, as in core/model.
		keep := w.enc.arena.alloc(cands * d)
		for c := range cands {
			if len(w.kept[c]) > 0 {
				for i := range d {
					keep[c*d+i] = 1
				}
			}
		}
		out = t.Mul(out, t.Input(keep, cands, d))
	}
	return out, nil
}

func equalInt32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
