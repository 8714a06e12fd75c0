package model

import (
	"errors"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// batch holds the Scorer's buffers for scoring several targets at once, grown to the largest
// batch seen.
type batch struct {
	n     int
	y     []float32 // n×d, W_Q t / √d_h of each target
	yh    []float32 // n×d_h, one head's columns of y, then one head's outputs
	fold  []float32 // n×d, one head's folded queries
	eq    []float32 // n×Heads×d folded ESU queries
	means []float32 // Heads×n×d, each head's weighted means, head-major
	heads []float32 // n×d concatenated head outputs
	o     []float32 // n×d
	x     []float32 // n×3d MLP inputs
	act   [2][]float32
}

func (b *batch) grow(n, d, hn, width int) {
	if n <= b.n {
		return
	}
	dh := d / hn
	b.n = n
	b.y = make([]float32, n*d)
	b.yh = make([]float32, n*dh)
	b.fold = make([]float32, n*d)
	b.eq = make([]float32, n*hn*d)
	b.means = make([]float32, hn*n*d)
	b.heads = make([]float32, n*d)
	b.o = make([]float32, n*d)
	b.x = make([]float32, n*3*d)
	b.act = [2][]float32{make([]float32, n*width), make([]float32, n*width)}
}

// ScoreSpans writes to dst[i] the logit of target i, row i of targets (len(dst)×d), given the
// events of h in rows ends[i−1] to ends[i] (from row 0 for the first target); ends must not
// decrease nor pass h.Len(). ages[r] is the age of row r's event in the user's history (events
// after it), which the age buckets read; h is typically a gather of the kept events of a longer
// history. Each logit is bit for bit ScoreSelected's over the target's rows,
// whatever the other targets, but the weights of the folded queries, the value and output
// projections and the MLP are loaded once for several targets (kernels.MatVecs, kernels.MatMul). It allocates only to grow its buffers for more targets than before
// or a span longer than any before.
func (s *Scorer) ScoreSpans(dst []float32, h *History, targets []float32, ends, ages []int32) error {
	m, d, hn := s.m, s.m.cfg.Dim, s.m.cfg.Heads
	n := len(dst)
	if err := h.checkDim(d); err != nil {
		return err
	}
	if len(targets) != n*d {
		return &LengthError{"target matrix", len(targets), n * d}
	}
	if len(ends) != n {
		return &LengthError{"span ends", len(ends), n}
	}
	if len(ages) != h.Len() {
		return &LengthError{"event ages", len(ages), h.Len()}
	}
	for _, a := range ages {
		if a < 0 {
			return errors.New("model: negative event age " + strconv.Itoa(int(a)))
		}
	}
	prev := int32(0)
	for _, e := range ends {
		if e < prev || int(e) > h.Len() {
			return errors.New("model: span end " + strconv.Itoa(int(e)) + " before " + strconv.Itoa(int(prev)) +
				" or past a history of " + strconv.Itoa(h.Len()))
		}
		prev = e
	}
	if n == 0 {
		return nil
	}
	b := &s.batch
	b.grow(n, d, hn, s.width)
	m.foldQueriesBatch(b.eq, b, n, m.Params.ESUQ, m.Params.ESUK, targets)
	start := 0
	for i, e := range ends {
		s.attend(b, i, n, h.vecs[start*d:int(e)*d], ages[start:e])
		start = int(e)
	}
	s.projectHeads(b, n)
	s.mlpInputs(b, n, targets)
	s.mlpBatch(dst, b, n)
	return nil
}

// mlpInputs writes the MLP input [o, t, o⊙t] of each of the n targets to b.x.
func (s *Scorer) mlpInputs(b *batch, n int, targets []float32) {
	d := s.m.cfg.Dim
	for i := range n {
		x := b.x[i*3*d : (i+1)*3*d]
		o, t := b.o[i*d:(i+1)*d], targets[i*d:(i+1)*d]
		copy(x[:d], o)
		copy(x[d:2*d], t)
		kernels.Mul(x[2*d:], o, t)
	}
}

// GSUQueries writes the folded GSU queries of the targets, the rows of targets (n×d), to dst
// (n×Heads×d, target-major): bit for bit Model.GSUQueries of each target, with the weights
// loaded once for several targets. It allocates only to grow its buffers for more targets than
// before.
func (s *Scorer) GSUQueries(dst, targets []float32) error {
	m, d, hn := s.m, s.m.cfg.Dim, s.m.cfg.Heads
	if len(targets)%d != 0 {
		return &LengthError{"target matrix", len(targets), len(targets) / d * d}
	}
	n := len(targets) / d
	if len(dst) != n*hn*d {
		return &LengthError{"GSU query matrix", len(dst), n * hn * d}
	}
	if n == 0 {
		return nil
	}
	s.batch.grow(n, d, hn, s.width)
	m.foldQueriesBatch(dst, &s.batch, n, m.Params.GSUQ, m.Params.GSUK, targets)
	return nil
}

// foldQueriesBatch writes the folded queries of n targets to dst (target-major, Heads×d
// each), as foldQueries does for each: y = W_Q t / √d_h for all targets, then W_K^hᵀ y_h for
// all targets per head.
func (m *Model) foldQueriesBatch(dst []float32, b *batch, n int, wq, wk, targets []float32) {
	d, hn := m.cfg.Dim, m.cfg.Heads
	dh := d / hn
	y := b.y[:n*d]
	kernels.MatVecs(y, wq, targets[:n*d], n)
	kernels.Scale(float32(1/math.Sqrt(float64(dh))), y)
	yh, fold := b.yh[:n*dh], b.fold[:n*d]
	for h := range hn {
		for i := range n {
			copy(yh[i*dh:(i+1)*dh], y[i*d+h*dh:i*d+(h+1)*dh])
		}
		kernels.MatMul(fold, yh, wk[h*dh*d:(h+1)*dh*d], n, d, dh)
		for i := range n {
			copy(dst[(i*hn+h)*d:(i*hn+h+1)*d], fold[i*d:(i+1)*d])
		}
	}
}

// attend writes each head's attention-weighted mean of target i's k events, the rows of the
// k×d matrix rows whose ages are ages (length k), to b.means (head-major over n targets; zero
// when k is 0).
func (s *Scorer) attend(b *batch, i, n int, rows []float32, ages []int32) {
	d, hn, k := s.m.cfg.Dim, s.m.cfg.Heads, len(ages)
	if k == 0 {
		for hd := range hn {
			clear(b.means[(hd*n+i)*d : (hd*n+i+1)*d])
		}
		return
	}
	if len(s.probs) < hn*k {
		s.probs = make([]float32, hn*k)
	}
	probs := s.probs[:hn*k]
	kernels.MatMulT(probs, b.eq[i*hn*d:(i+1)*hn*d], rows, hn, k, d)
	if nb := s.m.cfg.AgeBuckets; nb > 0 {
		bias := s.m.Params.ESUAge
		for j, a := range ages {
			row := bias[AgeBucket(int(a), nb)*hn:][:hn]
			for hd, v := range row {
				probs[hd*k+j] += v
			}
		}
	}
	for hd := range hn {
		kernels.Softmax(probs[hd*k : (hd+1)*k])
	}
	kernels.MatMul(s.means, probs, rows, hn, d, k)
	for hd := range hn {
		copy(b.means[(hd*n+i)*d:(hd*n+i+1)*d], s.means[hd*d:(hd+1)*d])
	}
}

// projectHeads writes o = W_O [W_V^1 m_1 … W_V^H m_H] of every target to b.o.
func (s *Scorer) projectHeads(b *batch, n int) {
	p, d, hn := &s.m.Params, s.m.cfg.Dim, s.m.cfg.Heads
	dh := d / hn
	yh, heads := b.yh[:n*dh], b.heads[:n*d]
	for hd := range hn {
		kernels.MatVecs(yh, p.ESUV[hd*dh*d:(hd+1)*dh*d], b.means[hd*n*d:(hd+1)*n*d], n)
		for i := range n {
			copy(heads[i*d+hd*dh:i*d+(hd+1)*dh], yh[i*dh:(i+1)*dh])
		}
	}
	kernels.MatVecs(b.o[:n*d], p.ESUO, heads, n)
}

// mlpBatch runs the MLP over the n rows of b.x and writes the logits to dst.
func (s *Scorer) mlpBatch(dst []float32, b *batch, n int) {
	p := &s.m.Params
	in := b.x[:n*3*s.m.cfg.Dim]
	last := len(p.MLPW) - 1
	for l, bias := range p.MLPB {
		w := len(bias)
		out := b.act[l%2][:n*w]
		kernels.MatVecs(out, p.MLPW[l], in, n)
		for i := range n {
			row := out[i*w : (i+1)*w]
			kernels.Add(row, row, bias)
			if l < last {
				kernels.ReLU(row)
			}
		}
		in = out
	}
	copy(dst, in[:n])
}
