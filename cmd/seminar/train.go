package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/cmd/seminar/internal/progress"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/train"
)

// trainFlags are the settings of "seminar train" that override a dataset's defaults.
type trainFlags struct {
	dataset, dataDir, method, pretrained, out, candidates string
	seed                                                  uint64
	quick, asJSON, quiet                                  bool
	epochs, negatives, maxHistory, evalWorkers, batch     int
	fraction                                              float64
	lr                                                    float32
	freeze                                                []string
	loss                                                  string
	wNext, wAlign, wRel, tauNext, tau                     float32
	psuNegatives                                          string
	data                                                  dataFlags
}

func newTrainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Pretrain a PSU or train a ranking model (SEMINAR, a baseline or an ablation)",
		Long: "Trains one model on a dataset (" + strings.Join(suite.Keys(), ", ") + ", or a dataset file such as " +
			"\"seminar data import\" writes) with the settings the results report uses, and writes it as a model file with its training metadata.\n\n" +
			"--model psu pretrains the PSU (w1·L_next + w2·L_align + w3·L_rel). Any other model is finetuned " +
			"on the ranking objective, choosing the epoch on the validation split: seminar and the drop-<modality> " +
			"ablations start from the PSU given with --pretrained; no-pretrain, din, sim, eta and twin start " +
			"from a new model.",
		Example: "  seminar train --data ml-100k --model psu --out psu.model\n" +
			"  seminar train --data ml-100k --model seminar --pretrained psu.model --out seminar.model\n" +
			"  seminar train --data ml-100k --model din --out din.model --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataset, "data", "ml-100k", "dataset: "+strings.Join(suite.Keys(), ", ")+", synth, or a dataset file")
	fl.StringVar(&f.dataDir, "data-dir", "", "folder holding the public datasets (default: ../shared/data beside the repository)")
	fl.StringVar(&f.method, "model", "seminar", "psu, or a ranking model: seminar, no-pretrain, din, sim, eta, twin, drop-<modality>")
	fl.StringVar(&f.pretrained, "pretrained", "", "PSU model file to finetune from (seminar and drop-<modality>)")
	fl.StringVar(&f.out, "out", "", "model file to write (required)")
	fl.StringVar(&f.candidates, "candidates", "out/candidates", "folder of the saved validation candidates (drawn there when missing)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of initialisation, sampling and order")
	fl.BoolVar(&f.quick, "quick", false, "train briefly (smoke runs)")
	fl.BoolVar(&f.asJSON, "json", false, "print the training report as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	fl.IntVar(&f.epochs, "epochs", 0, "epochs (0: the dataset's default)")
	fl.Float64Var(&f.fraction, "fraction", 0, "share of the training targets per epoch (0: the dataset's default)")
	fl.Float32Var(&f.lr, "lr", 0, "Adam learning rate (0: the default)")
	fl.IntVar(&f.batch, "batch", 0, "chunks of targets per optimiser step (0: the default)")
	fl.IntVar(&f.negatives, "negatives", 0, "negatives per target (0: the default)")
	fl.IntVar(&f.maxHistory, "max-history", 0, "most recent events of a training history (0: the default; -1: the whole history)")
	fl.StringSliceVar(&f.freeze, "freeze", nil, "tensors to keep fixed when finetuning: names or prefixes ending in '.', e.g. emb.,fusion.gate")
	fl.StringVar(&f.loss, "loss", "", "ranking loss: softmax or bce (default softmax)")
	fl.IntVar(&f.evalWorkers, "eval-workers", 2, "goroutines ranking the validation cases")
	fl.Float32Var(&f.wNext, "w-next", -1, "PSU weight of L_next (negative: the default)")
	fl.Float32Var(&f.wAlign, "w-align", -1, "PSU weight of L_align (negative: the default)")
	fl.Float32Var(&f.wRel, "w-rel", -1, "PSU weight of L_rel (negative: the default)")
	fl.Float32Var(&f.tauNext, "tau-next", 0, "PSU temperature of L_next (0: the default)")
	fl.Float32Var(&f.tau, "tau", 0, "PSU temperature of L_align and L_rel (0: the default)")
	f.data.register(fl)
	fl.StringVar(&f.psuNegatives, "psu-negatives", "", "PSU negative pairs: events (pairs of random events, the default) or query (the target's query with random items)")
	return cmd
}

func runTrain(cmd *cobra.Command, f trainFlags) error {
	if f.out == "" {
		return fmt.Errorf("--out is required")
	}
	if f.psuNegatives != "" && f.psuNegatives != "events" && f.psuNegatives != "query" {
		return fmt.Errorf("--psu-negatives %q: events or query", f.psuNegatives)
	}
	spec, err := loadSpec(f.dataset, f.dataDir, f.quick)
	if err != nil {
		return err
	}
	if err := f.data.apply(spec); err != nil {
		return err
	}
	f.override(spec)
	bars := progress.New(cmd.ErrOrStderr(), f.quiet)
	defer bars.Finish()
	ctx := cmd.Context()
	start := time.Now()
	var m *model.Model
	var meta train.Meta
	var next eval.Report
	if f.method == "psu" {
		var rep train.Report
		if m, rep, err = suite.PretrainPSU(ctx, spec, f.seed, bars.Update); err != nil {
			return err
		}
		meta = train.Meta{Kind: train.KindPSU, Model: "psu", Dataset: spec.Key, Seed: f.seed, Report: rep}
		valid, _, err := suite.Candidates(f.candidates, spec.Task.Dataset, "valid", spec.Task.Valid, candidateSeed, candidateNegatives)
		if err != nil {
			return err
		}
		if next, err = suite.NextPair(ctx, spec, m, valid, f.evalWorkers, bars.Update); err != nil {
			return err
		}
	} else {
		method, err := findMethod(spec, f.method)
		if err != nil {
			return err
		}
		var psu *model.Model
		if method.Pretrained {
			if f.pretrained == "" {
				return fmt.Errorf("--model %s finetunes a PSU: give one with --pretrained (seminar train --model psu makes one)", method.Key)
			}
			if psu, err = loadCheckpoint(f.pretrained, train.KindPSU, spec.Key); err != nil {
				return err
			}
		}
		d := spec.Task.Dataset
		valid, _, err := suite.Candidates(f.candidates, d, "valid", spec.Task.Valid, candidateSeed, candidateNegatives)
		if err != nil {
			return err
		}
		tr, err := suite.TrainMethod(ctx, spec, method, f.seed, psu, valid, f.evalWorkers, bars.Update)
		if err != nil {
			return err
		}
		m, meta = tr.Model, tr.Meta(spec, f.seed)
		if f.pretrained != "" {
			meta.Pretrained = f.pretrained
		}
	}
	if err := writeCheckpoint(f.out, m, meta); err != nil {
		return err
	}
	bars.Finish()
	out := cmd.OutOrStdout()
	if f.asJSON {
		return json.NewEncoder(out).Encode(meta)
	}
	if next.Cases > 0 {
		fmt.Fprintf(out, "next-pair on %d validation cases (1 + %d candidates): HIT@1 %.4f  NDCG@10 %.4f\n",
			next.Cases, candidateNegatives, next.HIT[0], next.NDCG[2])
	}
	rep := meta.Report
	fmt.Fprintf(out, "trained %s on %s (seed %d) in %s: %d steps, %d targets, %.0f targets/s\n",
		meta.Model, spec.Key, f.seed, time.Since(start).Round(time.Second), rep.Steps, rep.Targets, rep.TargetsPerSecond)
	if len(rep.Curve) > 0 {
		fmt.Fprintf(out, "loss %.4f → %.4f\n", rep.Curve[0].Loss, rep.Curve[len(rep.Curve)-1].Loss)
	}
	if len(rep.Valid) > 0 {
		fmt.Fprintf(out, "validation NDCG@10 by epoch %.4f; kept epoch %d\n", rep.Valid, rep.BestEpoch)
	}
	fmt.Fprintf(out, "wrote %s\n", f.out)
	return nil
}

// The candidates every command ranks: 99 negatives drawn with seed 1.
const (
	candidateSeed      = 1
	candidateNegatives = 99
)

func loadSpec(key, dataDir string, quick bool) (*suite.Spec, error) {
	budget := suite.Full
	if quick {
		budget = suite.Quick
	}
	return suite.LoadSpec(key, dataDir, budget)
}

// override applies the flags that were given to the spec's settings.
func (f trainFlags) override(s *suite.Spec) {
	for _, o := range []*train.Options{&s.Pretrain.Options, &s.Finetune.Options} {
		if f.epochs > 0 {
			o.Epochs = f.epochs
		}
		if f.fraction > 0 {
			o.EpochFraction = f.fraction
		}
		if f.lr > 0 {
			o.LR = f.lr
		}
		switch {
		case f.maxHistory < 0:
			o.MaxHistory = data.MaxUserEvents
		case f.maxHistory > 0:
			o.MaxHistory = f.maxHistory
		}
		if f.batch > 0 {
			o.Batch = f.batch
		}
	}
	if f.negatives > 0 {
		s.Pretrain.Negatives, s.Finetune.Negatives = f.negatives, f.negatives
	}
	if f.loss != "" {
		s.Finetune.Loss = f.loss
	}
	for _, w := range []struct {
		dst *float32
		v   float32
	}{{&s.Pretrain.WNext, f.wNext}, {&s.Pretrain.WAlign, f.wAlign}, {&s.Pretrain.WRel, f.wRel}} {
		if w.v >= 0 {
			*w.dst = w.v
		}
	}
	if f.tauNext > 0 {
		s.Pretrain.NextTemperature = f.tauNext
	}
	if f.tau > 0 {
		s.Pretrain.Temperature = f.tau
	}
	switch f.psuNegatives {
	case "events":
		s.Pretrain.EventNegatives = true
	case "query":
		s.Pretrain.EventNegatives = false
	}
	s.Finetune.Freeze = f.freeze
}

func findMethod(s *suite.Spec, key string) (suite.Method, error) {
	var keys []string
	for _, m := range s.Methods {
		if m.Key == key {
			return m, nil
		}
		keys = append(keys, m.Key)
	}
	return suite.Method{}, fmt.Errorf("no model %q for %s (psu, %s)", key, s.Key, strings.Join(keys, ", "))
}

func loadCheckpoint(path, kind, dataset string) (*model.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, meta, err := train.Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if meta.Kind != kind {
		return nil, fmt.Errorf("%s is a %s checkpoint, not a %s one", path, meta.Kind, kind)
	}
	if meta.Dataset != dataset {
		return nil, fmt.Errorf("%s was trained on %s, not %s", path, meta.Dataset, dataset)
	}
	return m, nil
}

func writeCheckpoint(path string, m *model.Model, meta train.Meta) error {
	var buf bytes.Buffer
	if err := train.Save(&buf, m, meta); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
