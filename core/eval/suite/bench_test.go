package suite

import (
	"context"
	"testing"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/train"
)

// benchTargets is about how many training targets one benchmark iteration trains on: a fixed
// slice of an epoch, enough to reach the steady state of the loop and short enough for several
// noisy rounds on two shared cores.
const benchTargets = 2048

// benchSpec loads ml-100k-browse, the dataset the report trains first, skipping the benchmark
// when the shared data is absent.
func benchSpec(b *testing.B) *Spec {
	b.Helper()
	s, err := LoadSpec("ml-100k-browse", "", Full)
	if err != nil {
		b.Skipf("ml-100k is not available: %v", err)
	}
	return s
}

// benchOptions trains one epoch of the benchmark's slice of the training targets.
func benchOptions(o train.Options, corpus *train.Corpus) train.Options {
	o.Epochs, o.Seed = 1, 1
	o.EpochFraction = min(1, float64(benchTargets)/float64(corpus.Targets()))
	return o
}

// reportTargets reports the training throughput of the b.N runs that trained targets in total.
func reportTargets(b *testing.B, targets int) {
	b.ReportMetric(float64(targets)/b.Elapsed().Seconds(), "targets/s")
}

// BenchmarkTrainPretrain measures PSU pretraining throughput on MovieLens-100K with the report's
// settings, from a new model each time.
func BenchmarkTrainPretrain(b *testing.B) {
	s := benchSpec(b)
	corpus := &train.Corpus{Items: s.Task.Dataset.Items, Sequences: s.Task.Train}
	cfg := s.Pretrain
	cfg.Options = benchOptions(cfg.Options, corpus)
	targets := 0
	for b.Loop() {
		m, err := model.New(s.Model)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := train.Pretrain(context.Background(), m, corpus, cfg, train.Hooks{})
		if err != nil {
			b.Fatal(err)
		}
		targets += rep.Targets
	}
	reportTargets(b, targets)
}

// BenchmarkTrainFinetune measures the ranking finetuning throughput of SEMINAR (GSU retrieval
// with the GSU trained, as "SEMINAR w/o pretraining" in the report) on MovieLens-100K.
func BenchmarkTrainFinetune(b *testing.B) {
	s := benchSpec(b)
	corpus := &train.Corpus{Items: s.Task.Dataset.Items, Sequences: s.Task.Train}
	cfg := s.Finetune
	cfg.Options = benchOptions(cfg.Options, corpus)
	cfg.Patience = 0
	cfg.Strategy = baseline.Strategy{Kind: baseline.GSU}
	cfg.GSUWeight, cfg.GSUTemperature = gsuWeight, s.Pretrain.NextTemperature
	targets := 0
	for b.Loop() {
		m, err := model.New(s.Model)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := train.Finetune(context.Background(), m, corpus, cfg, train.Hooks{})
		if err != nil {
			b.Fatal(err)
		}
		targets += rep.Targets
	}
	reportTargets(b, targets)
}
