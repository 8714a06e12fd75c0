package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
)

// Gradient checks of the composite losses: Backward against central differences of the float32
// forward pass, for every dense parameter entry (up to maxChecked per tensor, evenly spread) and
// every touched row of the embedding tables. The bounds allow for the float32 rounding of a loss
// summed over a chunk (≈ 10⁻⁶/h) and the truncation error of the step.
const (
	checkStep   = 1e-2
	checkAbsTol = 1e-3
	checkRelTol = 2e-2
	maxChecked  = 48
)

type recorder func(w *worker, t *autodiff.Tape, b *binding, f *features) (autodiff.Var, error)

func checkChunkGradients(t *testing.T, m *model.Model, corpus *Corpus, s baseline.Strategy, trainable func(string) bool, record recorder) {
	t.Helper()
	b, err := bind(m, trainable)
	require.NoError(t, err)
	f, err := newFeatures(m, corpus)
	require.NoError(t, err)
	sel, err := s.NewSelector(m, corpus.Items)
	require.NoError(t, err)
	w := &worker{enc: newEncoder(b, f), sel: sel}

	grads := b.params.NewGrads()
	tape := autodiff.NewTape(grads)
	loss, err := record(w, tape, b, f)
	require.NoError(t, err)
	require.NoError(t, tape.Backward(loss))

	eval := autodiff.NewTape(nil)
	lossAt := func() float64 {
		eval.Reset()
		v, err := record(w, eval, b, f)
		require.NoError(t, err)
		return float64(eval.Scalar(v))
	}
	checked := 0
	for _, p := range b.params.List() {
		analytic := make([]float32, len(p.Data))
		var entries []int
		if p.Sparse {
			ids, rows := grads.Rows(p)
			for k, id := range ids {
				copy(analytic[int(id)*p.Cols:], rows[k*p.Cols:(k+1)*p.Cols])
				for c := range p.Cols {
					entries = append(entries, int(id)*p.Cols+c)
				}
			}
		} else {
			copy(analytic, grads.Dense(p))
			stride := max(1, len(p.Data)/maxChecked)
			for j := 0; j < len(p.Data); j += stride {
				entries = append(entries, j)
			}
		}
		for _, j := range entries {
			x := p.Data[j]
			p.Data[j] = x + checkStep
			hi := lossAt()
			p.Data[j] = x - checkStep
			lo := lossAt()
			p.Data[j] = x
			numeric := (hi - lo) / float64((x+checkStep)-(x-checkStep))
			diff := math.Abs(float64(analytic[j]) - numeric)
			require.LessOrEqualf(t, diff, checkAbsTol+checkRelTol*math.Abs(numeric),
				"d loss / d %s[%d]: analytic %g, numeric %g", p.Name, j, analytic[j], numeric)
			checked++
		}
	}
	require.Greater(t, checked, 100, "too few entries checked to mean anything")
}

// sharpened returns a tiny model whose attention is far from uniform, so that the checks see the
// softmaxes' curvature. Its scoring MLP is one linear layer: a hidden ReLU would put kinks within
// a finite-difference step of some of the chunk's many rows (ReLU's own gradient is checked in
// core/autodiff, and the hidden layers' forward against core/model in the tests of this package).
func sharpened(t *testing.T, d *data.Dataset) *model.Model {
	t.Helper()
	c := tinyConfig(d, 100)
	c.Dim, c.Heads, c.MLPHidden = 4, 2, nil
	m, err := model.New(c)
	require.NoError(t, err)
	for _, w := range [][]float32{m.Params.ESUQ, m.Params.GSUQ, m.Params.IDEmb, m.Params.TokenEmb, m.Params.AttrEmb} {
		for i := range w {
			w[i] *= 4
		}
	}
	for i := range m.Params.GateLogits {
		m.Params.GateLogits[i] = float32(i) * 0.3
	}
	m.Params.AlphaLogit[0] = 0.4
	for i := range m.Params.ESUAge {
		m.Params.ESUAge[i] = float32(i%5) * 0.2
	}
	return m
}

func TestRankingGradients(t *testing.T) {
	corpus, d := tinyCorpus(t, 3, 6, 8)
	segs := []segment{{0, 0, 3}, {1, 4, 6}, {2, 2, 3}}
	tests := []struct {
		strategy  baseline.Strategy
		bce       bool
		gsuWeight float32
	}{
		{baseline.Strategy{Kind: baseline.LastN, K: 100}, false, 0},
		{baseline.Strategy{Kind: baseline.LastN, K: 100}, true, 0},
		// Some candidates share no category with the history: masked attention and o = 0 rows.
		{baseline.Strategy{Kind: baseline.SameAttr, K: 100, Field: "category"}, false, 0},
		// The GSU trained beside the ranking; segment {0, 0, 3} has a target without prefix.
		{baseline.Strategy{Kind: baseline.GSU}, false, 0.5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s bce=%v gsu=%v", tt.strategy, tt.bce, tt.gsuWeight), func(t *testing.T) {
			m := sharpened(t, d)
			c := &chunk{segs: segs}
			for _, s := range segs {
				c.targets += int(s.to - s.from)
			}
			f, err := newFeatures(m, corpus)
			require.NoError(t, err)
			drawItemNegatives(f, c, 3, rand.New(rand.NewPCG(5, 6)))
			sh := rankShape{maxHistory: 100, negatives: 3, bce: tt.bce, gsuWeight: tt.gsuWeight, gsuTemp: 0.5}
			frozen := []string{"gsu."}
			if tt.gsuWeight > 0 {
				frozen = nil
			}
			checkChunkGradients(t, m, corpus, tt.strategy, func(name string) bool { return !isFrozen(name, frozen) },
				func(w *worker, tape *autodiff.Tape, b *binding, f *features) (autodiff.Var, error) {
					loss, _, err := w.recordRanking(tape, b, f, c, sh)
					return loss, err
				})
		})
	}
}

func TestPSUGradients(t *testing.T) {
	corpus, d := tinyCorpus(t, 3, 6, 8)
	segs := []segment{{0, 1, 4}, {1, 3, 6}}
	tests := []struct {
		name                string
		wNext, wAlign, wRel float32
	}{
		{"next", 1, 0, 0},
		{"align", 0, 1, 0},
		{"rel", 0, 0, 1},
		{"weighted sum", 1, 0.5, 0.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sharpened(t, d)
			c := &chunk{segs: segs}
			for _, s := range segs {
				c.targets += int(s.to - s.from)
			}
			f, err := newFeatures(m, corpus)
			require.NoError(t, err)
			drawPairNegatives(f, c, 3, false, rand.New(rand.NewPCG(7, 8)))
			sh := psuShape{prefix: 3, negatives: 3, wNext: tt.wNext, wAlign: tt.wAlign, wRel: tt.wRel,
				nextTemp: 0.5, contrastTemp: 0.5, alignBatch: 16, relBatch: 16}
			checkChunkGradients(t, m, corpus, baseline.Strategy{Kind: baseline.GSU},
				func(name string) bool { return !isFrozen(name, []string{"fusion.proj", "esu.", "mlp."}) },
				func(w *worker, tape *autodiff.Tape, b *binding, f *features) (autodiff.Var, error) {
					return w.recordPSU(tape, b, f, c, sh)
				})
		})
	}
}

func TestSASRecGradients(t *testing.T) {
	corpus, d := tinyCorpus(t, 3, 6, 8)
	// Segment {0, 0, 3} has a target without history, left out of the loss.
	segs := []segment{{0, 0, 3}, {1, 4, 6}, {2, 2, 3}}
	m := sharpened(t, d)
	c := &chunk{segs: segs}
	for _, s := range segs {
		c.targets += int(s.to - s.from)
	}
	f, err := newFeatures(m, corpus)
	require.NoError(t, err)
	drawItemNegatives(f, c, 3, rand.New(rand.NewPCG(5, 6)))
	sh := rankShape{maxHistory: 2, negatives: 3, sasrec: true}
	checkChunkGradients(t, m, corpus, baseline.Strategy{Kind: baseline.LastN, K: 100},
		func(name string) bool { return !isFrozen(name, []string{"gsu."}) },
		func(w *worker, tape *autodiff.Tape, b *binding, f *features) (autodiff.Var, error) {
			return w.recordSASRec(tape, b, f, c, sh)
		})
}
