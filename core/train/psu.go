package train

import (
	"math"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/data"
)

// The PSU loss components, in the order of Step.Parts and Point.Parts.
const (
	partNext = iota
	partAlign
	partRel
	numParts
)

// PartNames names the PSU loss components in the order of Step.Parts and Point.Parts.
func PartNames() []string { return []string{"next", "align", "rel"} }

// psuShape fixes the PSU forward pass.
type psuShape struct {
	prefix                 int // events of the prefix the next-pair attention reads
	negatives              int
	wNext, wAlign, wRel    float32
	nextTemp, contrastTemp float32
	alignBatch, relBatch   int
}

// recordPSU records the PSU loss w1·L_next + w2·L_align + w3·L_rel of chunk c (components absent
// from the chunk count zero) and adds each component to w.chunkParts.
func (w *worker) recordPSU(t *autodiff.Tape, b *binding, f *features, c *chunk, sh psuShape) (autodiff.Var, error) {
	enc := w.enc
	enc.reset()
	cands := 1 + sh.negatives
	w.evQ, w.evI, w.tgQ, w.tgI = w.evQ[:0], w.evI[:0], w.tgQ[:0], w.tgI[:0]
	neg := 0
	for _, s := range c.segs {
		seq, qs := f.corpus.Sequences[s.user], f.eventQuery[s.user]
		lo, hi := window(s, sh.prefix)
		for j := lo; j < hi; j++ {
			w.evQ = append(w.evQ, enc.query(qs[j]))
			w.evI = append(w.evI, enc.item(seq[j].Item))
		}
		for p := s.from; p < s.to; p++ {
			w.tgQ = append(w.tgQ, enc.query(qs[p]))
			w.tgI = append(w.tgI, enc.item(seq[p].Item))
			for range sh.negatives {
				w.tgQ = append(w.tgQ, enc.query(c.negQuery[neg]))
				w.tgI = append(w.tgI, enc.item(c.negItems[neg]))
				neg++
			}
		}
	}
	enc.encode(t)
	var total autodiff.Var
	addPart := func(part int, weight float32, v autodiff.Var) {
		if !v.Valid() || weight == 0 {
			return
		}
		w.chunkParts[part] += float64(t.Scalar(v))
		v = t.Scale(v, weight)
		if total.Valid() {
			total = t.Add(total, v)
		} else {
			total = v
		}
	}
	addPart(partNext, sh.wNext, w.nextLoss(t, b, f, c, sh, cands))
	addPart(partAlign, sh.wAlign, w.alignLoss(t, sh))
	addPart(partRel, sh.wRel, w.relLoss(t, f, c, sh))
	if !total.Valid() {
		// Nothing to learn from this chunk (no prefix, one item, no search): a zero loss.
		total = t.Scale(t.Sum(enc.v), 0)
	}
	return total, t.Err()
}

// nextLoss is L_next over the chunk's targets that have a prefix: the target pair scored against
// its negatives by the mean over heads of Σ_j softmax(a_h)_j a_h(j), a_h the GSU's score over the
// prefix. Finetuning adds it to the ranking loss to train the GSU (FinetuneConfig.GSUWeight),
// where the candidates pair the target's query with the negative items.
func (w *worker) nextLoss(t *autodiff.Tape, b *binding, f *features, c *chunk, sh psuShape, cands int) autodiff.Var {
	if len(w.evQ) == 0 {
		return autodiff.Var{}
	}
	enc := w.enc
	d, heads := b.cfg.Dim, b.cfg.Heads
	dh := d / heads
	inv := float32(1 / math.Sqrt(float64(dh)))
	hist := enc.pairs(t, w.evQ, w.evI)
	kg := t.MatMulT(hist, b.dense(t, b.gsuK))
	qg := t.MatMulT(enc.pairs(t, w.tgQ, w.tgI), b.dense(t, b.gsuQ))
	w.perTarget = w.perTarget[:0]
	row, target := int32(0), 0
	for _, s := range c.segs {
		lo, hi := window(s, sh.prefix)
		for p := s.from; p < s.to; p++ {
			from := row + max(lo, p-int32(sh.prefix)) - lo
			to := row + p - lo
			if from == to {
				// A ranking target at a sequence's start has no prefix to predict it from
				// (pretraining starts at position 1 and never meets one).
				target++
				continue
			}
			k := t.SliceRows(kg, int(from), int(to))
			q := t.SliceRows(qg, target*cands, (target+1)*cands)
			ones := enc.arena.alloc(int(to - from))
			for i := range ones {
				ones[i] = 1
			}
			onesVar := t.Input(ones, int(to-from), 1)
			var sum autodiff.Var
			for h := range heads {
				a := t.Scale(t.MatMulT(t.SliceCols(q, h*dh, (h+1)*dh), t.SliceCols(k, h*dh, (h+1)*dh)), inv)
				soft := t.MatMul(t.Mul(t.Softmax(a), a), onesVar)
				if sum.Valid() {
					sum = t.Add(sum, soft)
				} else {
					sum = soft
				}
			}
			w.perTarget = append(w.perTarget, t.Reshape(t.Scale(sum, 1/float32(heads)), 1, cands))
			target++
		}
		row += hi - lo
	}
	if len(w.perTarget) == 0 {
		return autodiff.Var{}
	}
	w.targets = w.targets[:0]
	for range w.perTarget {
		w.targets = append(w.targets, 0)
	}
	return t.CrossEntropy(enc.concatRows(t, w.perTarget), w.targets, sh.nextTemp)
}

// alignLoss is L_align: the mean over modality pairs of the InfoNCE between the two modality
// embeddings of up to alignBatch of the chunk's items that have both.
func (w *worker) alignLoss(t *autodiff.Tape, sh psuShape) autodiff.Var {
	enc := w.enc
	n := len(enc.items)
	stride := max(1, (n+sh.alignBatch-1)/sh.alignBatch)
	var sum autodiff.Var
	pairs := 0
	nm := len(enc.proj)
	for m1 := range nm {
		for m2 := m1 + 1; m2 < nm; m2++ {
			w.rows, w.union = w.rows[:0], w.union[:0]
			for k := 0; k < n; k += stride {
				r1, r2 := enc.modRow[m1][k], enc.modRow[m2][k]
				if r1 >= 0 && r2 >= 0 {
					w.rows, w.union = append(w.rows, r1), append(w.union, r2)
				}
			}
			if len(w.rows) < 2 {
				continue
			}
			a := t.L2Normalize(t.GatherRows(enc.proj[m1], w.rows))
			bv := t.L2Normalize(t.GatherRows(enc.proj[m2], w.union))
			l := t.InfoNCE(a, bv, sh.contrastTemp)
			if sum.Valid() {
				sum = t.Add(sum, l)
			} else {
				sum = l
			}
			pairs++
		}
	}
	if pairs == 0 {
		return autodiff.Var{}
	}
	return t.Scale(sum, 1/float32(pairs))
}

// relLoss is L_rel: InfoNCE between the query and the clicked item of up to relBatch search
// events of the chunk (history and positive targets) with distinct queries and distinct items.
func (w *worker) relLoss(t *autodiff.Tape, f *features, c *chunk, sh psuShape) autodiff.Var {
	enc := w.enc
	w.rows, w.union = w.rows[:0], w.union[:0]
	cands := 1 + sh.negatives
	consider := func(q, it int32) {
		if len(w.rows) >= sh.relBatch || enc.queries[q] == noQuery || contains(w.rows, q) || contains(w.union, it) {
			return
		}
		w.rows, w.union = append(w.rows, q), append(w.union, it)
	}
	i := 0
	for _, s := range c.segs {
		lo, hi := window(s, sh.prefix)
		seq := f.corpus.Sequences[s.user]
		for j := lo; j < hi; j++ {
			if seq[j].Kind == data.Search {
				consider(w.evQ[i], w.evI[i])
			}
			i++
		}
	}
	for r := 0; r < len(w.tgQ); r += cands {
		consider(w.tgQ[r], w.tgI[r])
	}
	if len(w.rows) < 2 {
		return autodiff.Var{}
	}
	for k, it := range w.union {
		w.union[k] = enc.vRow[it]
	}
	q := t.L2Normalize(t.GatherRows(enc.q, w.rows))
	v := t.L2Normalize(t.GatherRows(enc.v, w.union))
	return t.InfoNCE(q, v, sh.contrastTemp)
}
