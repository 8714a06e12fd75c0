package model

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
)

// GSUQueries writes the folded GSU query of each head to the rows of dst (Heads×d):
// q̃_h = W_Kg^hᵀ W_Qg^h t / √d_h, so that the head's retrieval score of event j is
// a_h(j) = q̃_h·s_j.
func (m *Model) GSUQueries(dst, t []float32) error {
	d := m.cfg.Dim
	if len(t) != d {
		return &LengthError{"target vector", len(t), d}
	}
	if len(dst) != m.cfg.Heads*d {
		return &LengthError{"GSU query matrix", len(dst), m.cfg.Heads * d}
	}
	m.foldQueries(dst, m.Params.GSUQ, m.Params.GSUK, t)
	return nil
}

// foldQueries writes W_K^hᵀ W_Q^h t / √d_h for each head h to the rows of dst: y = W_Q t / √d_h
// in one matrix–vector product, then q̃_h = W_K^hᵀ y_h per head. y lives on the stack, so that
// a Model needs no buffer and stays safe for concurrent use.
func (m *Model) foldQueries(dst, wq, wk, t []float32) {
	d, dh := m.cfg.Dim, m.cfg.Dim/m.cfg.Heads
	var buf [MaxDim]float32
	y := buf[:d]
	kernels.MatVec(y, wq, t)
	kernels.Scale(float32(1/math.Sqrt(float64(dh))), y)
	for h := range m.cfg.Heads {
		kernels.MatTVec(dst[h*d:(h+1)*d], wk[h*dh*d:(h+1)*dh*d], y[h*dh:(h+1)*dh])
	}
}

// gsuBlock is the number of events whose retrieval scores the GSU computes in one matrix
// product before offering them to the heaps.
const gsuBlock = 256

// Scorer scores target pairs against a history exactly. It owns work buffers: one Scorer per
// goroutine. Score and ScoreTarget allocate nothing; ScoreSelected allocates only to grow its
// buffers for a selection longer than Heads×TopK and any before.
type Scorer struct {
	m      *Model
	enc    *Encoder
	target []float32 // d
	gq     []float32 // Heads×d folded GSU queries
	scores []float32 // Heads×gsuBlock retrieval scores of a block of events
	heaps  []TopK
	kept   []int32
	rows   []float32 // the selected events' vectors, gathered when not contiguous in the history
	probs  []float32 // Heads×n attention logits, then weights, of the n selected events
	ages   []int32   // ages of the selected events (events after each in the history)
	means  []float32 // Heads×d, each head's attention-weighted mean of one target's events
	width  int       // widest MLP layer
	batch  batch     // buffers of the ESU and MLP, for up to batch.n targets at once
}

// NewScorer returns a Scorer for m.
func NewScorer(m *Model) *Scorer {
	c := m.cfg
	d, hn, k := c.Dim, c.Heads, c.TopK
	width := 1
	for _, w := range c.MLPHidden {
		width = max(width, w)
	}
	s := &Scorer{
		m:      m,
		enc:    NewEncoder(m),
		target: make([]float32, d),
		gq:     make([]float32, hn*d),
		scores: make([]float32, hn*gsuBlock),
		heaps:  make([]TopK, hn),
		kept:   make([]int32, 0, hn*k),
		rows:   make([]float32, hn*k*d),
		probs:  make([]float32, hn*hn*k),
		ages:   make([]int32, 0, hn*k),
		means:  make([]float32, hn*d),
		width:  width,
	}
	s.batch.grow(1, d, hn, width)
	scores, idx := make([]float32, hn*k), make([]int32, hn*k)
	for h := range s.heaps {
		s.heaps[h] = TopK{score: scores[h*k : (h+1)*k], idx: idx[h*k : (h+1)*k]}
	}
	return s
}

// Encoder returns the Scorer's Encoder, which shares its goroutine.
func (s *Scorer) Encoder() *Encoder { return s.enc }

// Score returns the logit of the target pair (query, kind, cand) given history h: the target's
// event vector t, then ScoreTarget.
func (s *Scorer) Score(h *History, query string, kind data.Kind, cand *data.Item) (float32, error) {
	if err := s.enc.EventVector(s.target, query, kind, cand); err != nil {
		return 0, err
	}
	return s.ScoreTarget(h, s.target)
}

// ScoreTarget returns the logit of the target vector t (length d) given history h. The GSU keeps,
// for each head, the K events of highest a_h(j) = q̃_h·s_j (ties go to the later event) and the
// union over heads; with L ≤ K it keeps every event. The ESU and MLP then score t over those
// events (see ScoreSelected); Kept lists them.
func (s *Scorer) ScoreTarget(h *History, t []float32) (float32, error) {
	if err := s.check(h, t); err != nil {
		return 0, err
	}
	s.gsu(h, t)
	return s.esu(s.selectRows(h, s.kept), s.agesOf(h, s.kept), t), nil
}

// ScoreSelected returns the logit of the target vector t given the events of h listed in idx,
// skipping the GSU: per head, o_h = Σ_j softmax_j((W_Q^h t)·(W_K^h s_j)/√d_h) W_V^h s_j over
// j in idx, o = W_O [o_1..o_H], and the logit MLP([o, t, o⊙t]). With idx empty, o = 0. A model
// with age buckets adds head h's bias for the bucket of event j's age, L−1−j, to its logits.
func (s *Scorer) ScoreSelected(h *History, t []float32, idx []int32) (float32, error) {
	if err := s.check(h, t); err != nil {
		return 0, err
	}
	n := h.Len()
	for _, j := range idx {
		if j < 0 || int(j) >= n {
			return 0, errors.New("model: selected event " + strconv.Itoa(int(j)) + " outside a history of " +
				strconv.Itoa(n))
		}
	}
	return s.esu(s.selectRows(h, idx), s.agesOf(h, idx), t), nil
}

// agesOf returns the ages of the events idx of h, each inside h.
func (s *Scorer) agesOf(h *History, idx []int32) []int32 {
	last := int32(h.Len() - 1)
	s.ages = s.ages[:0]
	for _, j := range idx {
		s.ages = append(s.ages, last-j)
	}
	return s.ages
}

// selectRows returns the vectors of the events idx of h as a len(idx)×d matrix: a slice of the
// history when idx lists consecutive events (retrieval passes 0..n−1 over the history it
// fills), a copy in s.rows otherwise. Every index must be inside h.
func (s *Scorer) selectRows(h *History, idx []int32) []float32 {
	d, n := h.dim, len(idx)
	if n == 0 {
		return nil
	}
	first := int(idx[0])
	consecutive := true
	for i, j := range idx {
		if int(j) != first+i {
			consecutive = false
			break
		}
	}
	if consecutive {
		return h.vecs[first*d : (first+n)*d]
	}
	if len(s.rows) < n*d {
		s.rows = make([]float32, n*d)
	}
	rows := s.rows[:n*d]
	for i, j := range idx {
		copy(rows[i*d:(i+1)*d], h.vecs[int(j)*d:int(j+1)*d])
	}
	return rows
}

// Kept returns the indices, ascending, of the events the last ScoreTarget or Score kept. It
// aliases the Scorer and changes with the next call.
func (s *Scorer) Kept() []int32 { return s.kept }

func (s *Scorer) check(h *History, t []float32) error {
	if err := h.checkDim(s.m.cfg.Dim); err != nil {
		return err
	}
	if len(t) != s.m.cfg.Dim {
		return &LengthError{"target vector", len(t), s.m.cfg.Dim}
	}
	return nil
}

func (s *Scorer) gsu(h *History, t []float32) {
	d, n, k := s.m.cfg.Dim, h.Len(), s.m.cfg.TopK
	s.kept = s.kept[:0]
	if n <= k {
		for j := range n {
			s.kept = append(s.kept, int32(j))
		}
		return
	}
	hn := len(s.heaps)
	s.m.foldQueries(s.gq, s.m.Params.GSUQ, s.m.Params.GSUK, t)
	for i := range s.heaps {
		s.heaps[i].Reset()
	}
	for j0 := 0; j0 < n; j0 += gsuBlock {
		b := min(gsuBlock, n-j0)
		scores := s.scores[:hn*b]
		kernels.MatMulT(scores, s.gq, h.vecs[j0*d:(j0+b)*d], hn, b, d)
		for i := range s.heaps {
			hp := &s.heaps[i]
			for j, a := range scores[i*b : (i+1)*b] {
				// Most events fall below a full heap's minimum: test that before the call.
				// Each heap sees the events in increasing order, so an equal score wins (see
				// TopK).
				if hp.Admits(a) {
					hp.Offer(a, int32(j0+j))
				}
			}
		}
	}
	for i := range s.heaps {
		s.kept = append(s.kept, s.heaps[i].Indices()...)
	}
	slices.Sort(s.kept)
	s.kept = slices.Compact(s.kept)
}

// esu runs the ESU and the MLP for target t over rows, the matrix of the selected events whose
// ages are ages, as ScoreSpans does for a batch of one.
func (s *Scorer) esu(rows []float32, ages []int32, t []float32) float32 {
	b := &s.batch
	s.m.foldQueriesBatch(b.eq, b, 1, s.m.Params.ESUQ, s.m.Params.ESUK, t)
	s.attend(b, 0, 1, rows, ages)
	s.projectHeads(b, 1)
	s.mlpInputs(b, 1, t)
	var logit [1]float32
	s.mlpBatch(logit[:], b, 1)
	return logit[0]
}

// TopK keeps the k best (score, index) pairs offered, as a min-heap on (score, index): offered
// in increasing index order, a later event beats an earlier one of equal score. It is the GSU's
// selection, exported so that other retrieval rules select the same way.
type TopK struct {
	score []float32
	idx   []int32
	n     int
}

// NewTopK returns an empty TopK that keeps k pairs.
func NewTopK(k int) TopK { return TopK{score: make([]float32, k), idx: make([]int32, k)} }

// Reset empties t, keeping its storage.
func (t *TopK) Reset() { t.n = 0 }

// Indices returns the kept indices in heap order; it aliases t.
func (t *TopK) Indices() []int32 { return t.idx[:t.n] }

// Admits reports cheaply whether a score may enter: scanning loops test it before calling Offer,
// since almost every score of a long history falls below a full heap's minimum.
func (t *TopK) Admits(a float32) bool { return t.n < len(t.score) || a >= t.score[0] }

// Offer adds (a, j) if it ranks among the k best offered since the last Reset.
func (t *TopK) Offer(a float32, j int32) {
	if t.n < len(t.score) {
		i := t.n
		t.n++
		for i > 0 {
			parent := (i - 1) / 2
			if !below(a, j, t.score[parent], t.idx[parent]) {
				break
			}
			t.score[i], t.idx[i] = t.score[parent], t.idx[parent]
			i = parent
		}
		t.score[i], t.idx[i] = a, j
		return
	}
	if below(a, j, t.score[0], t.idx[0]) {
		return
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= t.n {
			break
		}
		if r := c + 1; r < t.n && below(t.score[r], t.idx[r], t.score[c], t.idx[c]) {
			c = r
		}
		if !below(t.score[c], t.idx[c], a, j) {
			break
		}
		t.score[i], t.idx[i] = t.score[c], t.idx[c]
		i = c
	}
	t.score[i], t.idx[i] = a, j
}

// below reports whether (a, j) ranks below (b, k).
func below(a float32, j int32, b float32, k int32) bool { return a < b || a == b && j < k }
