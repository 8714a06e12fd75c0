package train

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/model"
)

// TestRankingForwardEqualsScorer trains a few steps, then checks that the tape's logits of every
// candidate of a target equal core/model.Scorer's for the same history and candidate, for every
// retrieval rule (the GSU over a history longer than K included).
func TestRankingForwardEqualsScorer(t *testing.T) {
	corpus, d := tinyCorpus(t, 6, 30, 40)
	strategies := []baseline.Strategy{
		{Kind: baseline.GSU},
		{Kind: baseline.GSU, TieESU: true},
		{Kind: baseline.LastN, K: 5},
		{Kind: baseline.SameAttr, K: 4, Field: "category"},
		{Kind: baseline.SimHash, K: 6, Bits: 16, Seed: 2},
	}
	for _, s := range strategies {
		t.Run(s.String(), func(t *testing.T) {
			m := tinyModel(t, d, 4)
			cfg := tinyFinetune(s)
			cfg.EpochFraction = 0.3
			_, err := Finetune(context.Background(), m, corpus, cfg, Hooks{})
			require.NoError(t, err)
			// A few steps leave the attention nearly uniform; sharpen it so that the comparison
			// sees which events each candidate attends to.
			for i := range m.Params.ESUQ {
				m.Params.ESUQ[i] *= 40
			}
			// Age biases far from zero, so that an event read at the wrong age shows.
			for i := range m.Params.ESUAge {
				m.Params.ESUAge[i] = float32(i%7)*0.5 - 1.5
			}
			if s.TieESU {
				baseline.Tie(m)
			}

			b, f, w := newTestWorker(t, m, corpus, s)
			const user, from, to = 2, 20, 24
			c := &chunk{segs: []segment{{user, from, to}}, targets: to - from}
			drawItemNegatives(f, c, 3, rand.New(rand.NewPCG(1, 2)))
			tape := autodiff.NewTape(b.params.NewGrads())
			_, logits, err := w.recordRanking(tape, b, f, c, rankShape{maxHistory: 1000, negatives: 3})
			require.NoError(t, err)
			got := tape.Value(logits)

			scorer := model.NewScorer(m)
			sel, err := s.NewSelector(m, corpus.Items)
			require.NoError(t, err)
			seq := corpus.Sequences[user]
			target := make([]float32, m.Dim())
			for p := from; p < to; p++ {
				h := m.NewHistory(p)
				for _, e := range seq[:p] {
					require.NoError(t, scorer.Encoder().AppendEvent(h, e.Query, e.Kind, &corpus.Items[e.Item]))
				}
				require.NoError(t, sel.Prepare(h.Vectors(), seq[:p]))
				items := append([]int32{seq[p].Item}, c.negItems[(p-from)*3:(p-from+1)*3]...)
				for k, it := range items {
					item := &corpus.Items[it]
					require.NoError(t, scorer.Encoder().EventVector(target, seq[p].Query, seq[p].Kind, item))
					var want float32
					if s.Kind == baseline.GSU {
						want, err = scorer.Score(h, seq[p].Query, seq[p].Kind, item)
					} else {
						kept, serr := sel.Select(nil, target, item, 0, p)
						require.NoError(t, serr)
						want, err = scorer.ScoreSelected(h, target, kept)
					}
					require.NoError(t, err)
					assert.InDeltaf(t, want, got[(p-from)*4+k], 1e-5*(1+math.Abs(float64(want))),
						"target %d candidate %d", p, k)
				}
			}
		})
	}
}

func TestLossDecreases(t *testing.T) {
	corpus, d := tinyCorpus(t, 10, 20, 40)
	tests := []struct {
		name string
		run  func(m *model.Model) (Report, error)
	}{
		{"psu", func(m *model.Model) (Report, error) {
			cfg := tinyPretrain()
			cfg.Epochs = 4
			return Pretrain(context.Background(), m, corpus, cfg, Hooks{})
		}},
		{"finetune", func(m *model.Model) (Report, error) {
			cfg := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
			cfg.Epochs = 4
			return Finetune(context.Background(), m, corpus, cfg, Hooks{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := tt.run(tinyModel(t, d, 8))
			require.NoError(t, err)
			require.Greater(t, len(rep.Curve), 4)
			n := len(rep.Curve) / 4
			mean := func(pts []Point) float64 {
				var s float64
				for _, p := range pts {
					s += p.Loss
				}
				return s / float64(len(pts))
			}
			first, last := mean(rep.Curve[:n]), mean(rep.Curve[len(rep.Curve)-n:])
			assert.Less(t, last, 0.9*first, "loss %.4f at the start, %.4f at the end", first, last)
			assert.Positive(t, rep.TargetsPerSecond)
		})
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	corpus, d := tinyCorpus(t, 6, 20, 30)
	run := func() []float32 {
		m := tinyModel(t, d, 4)
		_, err := Pretrain(context.Background(), m, corpus, tinyPretrain(), Hooks{})
		require.NoError(t, err)
		_, err = Finetune(context.Background(), m, corpus, tinyFinetune(baseline.Strategy{Kind: baseline.GSU}), Hooks{})
		require.NoError(t, err)
		return m.Flat()
	}
	assert.Equal(t, run(), run())
}

// TestPretrainKeepsProjectionsAndFinetuneRestoresPSU checks the hand-over from PSU to ranker: the
// PSU leaves every G_m at the identity and the ESU and MLP untouched, a checkpoint restores
// every tensor, and finetuning from it with frozen embeddings keeps the PSU's embeddings while
// it trains G_m.
func TestPretrainKeepsProjectionsAndFinetuneRestoresPSU(t *testing.T) {
	corpus, d := tinyCorpus(t, 8, 20, 30)
	m := tinyModel(t, d, 8)
	fresh := tinyModel(t, d, 8)
	_, err := Pretrain(context.Background(), m, corpus, tinyPretrain(), Hooks{})
	require.NoError(t, err)
	for i, ts := range m.Tensors() {
		switch ts.Name {
		case "fusion.proj", "esu.q", "esu.k", "esu.v", "esu.o", "mlp.0.w", "mlp.0.b", "mlp.1.w", "mlp.1.b":
			assert.Equal(t, fresh.Tensors()[i].Data, ts.Data, "PSU changed %s", ts.Name)
		case "emb.id", "emb.token", "gsu.q", "gsu.k", "fusion.gate":
			assert.NotEqual(t, fresh.Tensors()[i].Data, ts.Data, "PSU did not train %s", ts.Name)
		}
	}

	var buf bytes.Buffer
	require.NoError(t, Save(&buf, m, Meta{Kind: KindPSU, Model: "psu", Dataset: "synth", Seed: 7}))
	psu, meta, err := Load(buf.Bytes())
	require.NoError(t, err)
	assert.Equal(t, KindPSU, meta.Kind)
	assert.Equal(t, m.Config(), psu.Config())
	assert.Equal(t, m.Flat(), psu.Flat(), "the checkpoint restores every tensor")

	cfg := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
	cfg.Freeze = []string{"emb.", "dense."}
	before := psu.Tensors()
	snapshot := make([][]float32, len(before))
	for i, ts := range before {
		snapshot[i] = append([]float32(nil), ts.Data...)
	}
	_, err = Finetune(context.Background(), psu, corpus, cfg, Hooks{})
	require.NoError(t, err)
	for i, ts := range psu.Tensors() {
		switch ts.Name {
		case "emb.id", "emb.token", "emb.attr", "dense.0.w", "dense.0.b", "gsu.q", "gsu.k":
			assert.Equal(t, snapshot[i], ts.Data, "finetuning changed frozen %s", ts.Name)
		case "fusion.proj", "esu.q", "mlp.0.w":
			assert.NotEqual(t, snapshot[i], ts.Data, "finetuning did not train %s", ts.Name)
		}
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	_, d := tinyCorpus(t, 2, 5, 6)
	m := tinyModel(t, d, 4)
	s := baseline.Strategy{Kind: baseline.SimHash, K: 3, Bits: 8, Seed: 4}
	meta := Meta{Kind: KindRanker, Model: "eta", Strategy: &s, Dataset: "synth", Drop: "text", Seed: 9,
		Report: Report{Steps: 3, Targets: 30, Curve: []Point{{Epoch: 1, Loss: 0.5}}}}
	var buf bytes.Buffer
	require.NoError(t, Save(&buf, m, meta))
	got, gotMeta, err := Load(buf.Bytes())
	require.NoError(t, err)
	assert.Equal(t, meta, gotMeta)
	assert.Equal(t, m.Tensors(), got.Tensors())

	tests := []struct {
		name string
		meta Meta
	}{
		{"unknown kind", Meta{Kind: "optimizer"}},
		{"ranker without strategy", Meta{Kind: KindRanker}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, Save(&bytes.Buffer{}, m, tt.meta))
		})
	}
	_, _, err = Load(buf.Bytes()[:buf.Len()-3])
	assert.Error(t, err, "truncated file")
}

func TestConfigErrors(t *testing.T) {
	corpus, d := tinyCorpus(t, 3, 8, 10)
	m := tinyModel(t, d, 4)
	ctx := context.Background()
	bad := []struct {
		name string
		run  func() error
	}{
		{"no epochs", func() error {
			c := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
			c.Epochs = 0
			_, err := Finetune(ctx, m, corpus, c, Hooks{})
			return err
		}},
		{"unknown loss", func() error {
			c := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
			c.Loss = "hinge"
			_, err := Finetune(ctx, m, corpus, c, Hooks{})
			return err
		}},
		{"freeze names nothing", func() error {
			c := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
			c.Freeze = []string{"embeddings"}
			_, err := Finetune(ctx, m, corpus, c, Hooks{})
			return err
		}},
		{"bad strategy", func() error {
			_, err := Finetune(ctx, m, corpus, tinyFinetune(baseline.Strategy{Kind: baseline.LastN}), Hooks{})
			return err
		}},
		{"zero weights", func() error {
			c := tinyPretrain()
			c.WNext, c.WAlign, c.WRel = 0, 0, 0
			_, err := Pretrain(ctx, m, corpus, c, Hooks{})
			return err
		}},
		{"empty corpus", func() error {
			_, err := Pretrain(ctx, m, &Corpus{Items: corpus.Items}, tinyPretrain(), Hooks{})
			return err
		}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { assert.Error(t, tt.run()) })
	}
}

func TestBCELossTrains(t *testing.T) {
	corpus, d := tinyCorpus(t, 6, 20, 30)
	cfg := tinyFinetune(baseline.Strategy{Kind: baseline.LastN, K: 8})
	cfg.Loss, cfg.Epochs = "bce", 3
	rep, err := Finetune(context.Background(), tinyModel(t, d, 4), corpus, cfg, Hooks{})
	require.NoError(t, err)
	assert.Less(t, rep.Curve[len(rep.Curve)-1].Loss, rep.Curve[0].Loss)
}

func TestValidationKeepsBestEpochAndStopsEarly(t *testing.T) {
	corpus, d := tinyCorpus(t, 4, 10, 12)
	m := tinyModel(t, d, 4)
	cfg := tinyFinetune(baseline.Strategy{Kind: baseline.GSU})
	cfg.Epochs, cfg.Patience = 6, 2
	scores := []float64{0.1, 0.5, 0.3, 0.2, 0.9, 0.9}
	var atBest []float32
	rep, err := Finetune(context.Background(), m, corpus, cfg, Hooks{Validate: func(epoch int) (float64, error) {
		if epoch == 2 {
			atBest = append([]float32(nil), m.Flat()...)
		}
		return scores[epoch-1], nil
	}})
	require.NoError(t, err)
	assert.Equal(t, []float64{0.1, 0.5, 0.3, 0.2}, rep.Valid, "stops two epochs after the best")
	assert.Equal(t, 2, rep.BestEpoch)
	assert.Equal(t, atBest, m.Flat(), "the best epoch's parameters are restored")
}

func TestRecordingAChunkAllocatesNothingAfterWarmUp(t *testing.T) {
	corpus, d := tinyCorpus(t, 4, 20, 30)
	m := tinyModel(t, d, 4)
	tests := []struct {
		name   string
		record func(w *worker, tape *autodiff.Tape, b *binding, f *features, c *chunk) error
	}{
		{"ranking", func(w *worker, tape *autodiff.Tape, b *binding, f *features, c *chunk) error {
			_, _, err := w.recordRanking(tape, b, f, c, rankShape{maxHistory: 16, negatives: 3})
			return err
		}},
		{"psu", func(w *worker, tape *autodiff.Tape, b *binding, f *features, c *chunk) error {
			_, err := w.recordPSU(tape, b, f, c, psuShape{prefix: 8, negatives: 3, wNext: 1, wAlign: 1, wRel: 1,
				nextTemp: 1, contrastTemp: 1, alignBatch: 8, relBatch: 8})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, f, w := newTestWorker(t, m, corpus, baseline.Strategy{Kind: baseline.GSU})
			c := &chunk{segs: []segment{{0, 10, 16}, {1, 3, 6}}, targets: 9}
			drawPairNegatives(f, c, 3, false, rand.New(rand.NewPCG(1, 1)))
			tape := autodiff.NewTape(b.params.NewGrads())
			step := func() {
				tape.Reset()
				require.NoError(t, tt.record(w, tape, b, f, c))
			}
			step()
			assert.Zero(t, testing.AllocsPerRun(5, step))
		})
	}
}
