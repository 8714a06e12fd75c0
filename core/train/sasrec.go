package train

import (
	"math"

	"github.com/seminar-ranker/seminar/core/autodiff"
)

// recordSASRec records the ranking loss of chunk c for the SASRec-style baseline: one causal
// self-attention block over the target's last maxHistory events, read at the last position (the
// only output a next-item prediction needs, so the causal mask never binds), with the ESU's
// weights: u = W_O·Attn(W_Q s_last, W_K s_j, W_V s_j) + s_last. A candidate scores u·t, so the
// user's state does not depend on the candidate, unlike the target attention of every other model.
// Targets without history are left out of the loss.
func (w *worker) recordSASRec(t *autodiff.Tape, b *binding, f *features, c *chunk, sh rankShape) (autodiff.Var, error) {
	enc := w.enc
	cands := 1 + sh.negatives
	w.encodeRanking(t, f, c, sh)
	if len(w.evQ) == 0 {
		return t.Scale(t.Sum(enc.v), 0), t.Err() // no target has a history
	}
	d, heads := b.cfg.Dim, b.cfg.Heads
	dh := d / heads
	inv := float32(1 / math.Sqrt(float64(dh)))
	hist := enc.pairs(t, w.evQ, w.evI)
	tg := enc.pairs(t, w.tgQ, w.tgI)
	qe := t.MatMulT(hist, b.dense(t, b.esuQ))
	ke := t.MatMulT(hist, b.dense(t, b.esuK))
	ve := t.MatMulT(hist, b.dense(t, b.esuV))
	wo := b.dense(t, b.esuO)
	w.perTarget = w.perTarget[:0]
	row, target := 0, 0
	for _, s := range c.segs {
		lo, hi := window(s, sh.maxHistory)
		for p := s.from; p < s.to; p++ {
			from := row + int(max(lo, p-int32(sh.maxHistory))-lo)
			to := row + int(p-lo)
			if from == to {
				target++
				continue
			}
			q := t.SliceRows(qe, to-1, to)
			k, v := t.SliceRows(ke, from, to), t.SliceRows(ve, from, to)
			w.heads = w.heads[:0]
			for h := range heads {
				a := t.Scale(t.MatMulT(t.SliceCols(q, h*dh, (h+1)*dh), t.SliceCols(k, h*dh, (h+1)*dh)), inv)
				w.heads = append(w.heads, t.MatMul(t.Softmax(a), t.SliceCols(v, h*dh, (h+1)*dh)))
			}
			u := t.Add(t.MatMulT(t.Concat(w.heads...), wo), t.SliceRows(hist, to-1, to))
			w.perTarget = append(w.perTarget, t.MatMulT(u, t.SliceRows(tg, target*cands, (target+1)*cands)))
			target++
		}
		row += int(hi - lo)
	}
	if len(w.perTarget) == 0 {
		return t.Scale(t.Sum(enc.v), 0), t.Err()
	}
	w.targets = w.targets[:0]
	for range w.perTarget {
		w.targets = append(w.targets, 0)
	}
	return t.CrossEntropy(enc.concatRows(t, w.perTarget), w.targets, 1), t.Err()
}
