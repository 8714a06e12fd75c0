package eval_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/train"
)

func envf(k string, def float64) float64 {
	if v := os.Getenv(k); v != "" {
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return def
}

func TestScratch(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	d, err := convert.MovieLens100K("/work/shared/data/ml-100k")
	if err != nil {
		t.Fatal(err)
	}
	task, err := eval.LeaveOneOut(d, 3)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := eval.SampleCandidates(d, "valid", task.Valid, 99, 1)
	if err != nil {
		t.Fatal(err)
	}
	corpus := &train.Corpus{Items: d.Items, Sequences: task.Train}
	cfg := model.DefaultConfig()
	cfg.Dim = int(envf("DIM", 64))
	cfg.Seed = 1
	m, _ := model.New(cfg)
	strategy := baseline.Strategy{Kind: baseline.GSU}
	if os.Getenv("DIN") != "" {
		strategy = baseline.Strategy{Kind: baseline.LastN, K: 64}
	}
	validate := func(epoch int) (float64, error) {
		rep, err := eval.Evaluate(context.Background(), task.Valid, valid, 2, func() (eval.Ranker, error) {
			return eval.NewModelRanker(m, strategy, d.Items)
		}, nil)
		t.Logf("epoch %d valid HIT@10 %.4f NDCG@10 %.4f MRR %.4f AUC %.4f read %.1f (%.1fs)", epoch, rep.HIT[2], rep.NDCG[2], rep.MRR, rep.AUC, rep.MeanEventsRead, rep.Seconds)
		return rep.NDCG[2], err
	}
	validate(0)
	opts := train.Options{Epochs: int(envf("PEPOCHS", 1)), EpochFraction: envf("PFRAC", 0.3), Batch: 8, Chunk: 32, MaxHistory: int(envf("PREFIX", 64)), LR: float32(envf("PLR", 3e-3)), Workers: 2, Seed: 1}
	if os.Getenv("PRETRAIN") != "" {
		start := time.Now()
		rep, err := train.Pretrain(context.Background(), m, corpus, train.PretrainConfig{Options: opts, WNext: 1, WAlign: float32(envf("WALIGN", 0.2)), WRel: float32(envf("WREL", 0.2)), Negatives: 16, NextTemperature: float32(envf("NEXTT", 0.1)), Temperature: 0.1, AlignBatch: 64, RelBatch: 64},
			train.Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range rep.Curve {
			if i%10 == 0 || i == len(rep.Curve)-1 {
				t.Logf("psu %.2f loss %.4f parts %.3f", p.Epoch, p.Loss, p.Parts)
			}
		}
		t.Logf("psu: %d targets in %v: %.0f/s", rep.Targets, time.Since(start), rep.TargetsPerSecond)
		validate(0)
	}
	opts = train.Options{Epochs: int(envf("EPOCHS", 2)), EpochFraction: envf("FRAC", 0.3), Batch: 8, Chunk: 32, MaxHistory: int(envf("MAXH", 128)), LR: float32(envf("LR", 1e-3)), Workers: 2, Seed: 1}
	start := time.Now()
	rep, err := train.Finetune(context.Background(), m, corpus, train.FinetuneConfig{Options: opts, Negatives: int(envf("NEG", 5)), Loss: "softmax", Strategy: strategy},
		train.Hooks{Validate: validate})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range rep.Curve {
		if i%20 == 0 || i == len(rep.Curve)-1 {
			t.Logf("rank %.2f loss %.4f", p.Epoch, p.Loss)
		}
	}
	t.Logf("rank: %d targets in %v: %.0f/s", rep.Targets, time.Since(start), rep.TargetsPerSecond)
}
