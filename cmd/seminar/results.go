package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/cmd/seminar/internal/progress"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/eval/suite"
)

func newResultsCmd() *cobra.Command {
	var (
		out, dataDir, checkpoints, candidates string
		datasets                              []string
		seeds                                 []uint
		quick, quiet, render                  bool
		evalWorkers, maxHistory               int
		df                                    dataFlags
	)
	cmd := &cobra.Command{
		Use:   "results",
		Short: "Train and evaluate every model on every dataset and write the results report",
		Long: "Runs the whole comparison (core/eval/suite): for each dataset (a built-in name or a dataset file) and " +
			"seed, PSU pretraining, popularity, SEMINAR, SEMINAR without pretraining, DIN (also with SEMINAR's " +
			"compute), a SASRec-style model, SIM, ETA, TWIN and the modality ablations, all on the same saved " +
			"candidates; then writes <out>/results.md (the tables and the command that made them), " +
			"<out>/results.json (every run) and <out>/loss.png (training losses). Candidates are saved in " +
			"--candidates and reused when present; the report gives their SHA-256. --quick trains briefly with one seed and writes to " +
			"out/results-quick unless --out is given.",
		Example: "  seminar results\n  seminar results --quick --datasets ml-100k",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if render {
				return rerender(out)
			}
			if !cmd.Flags().Changed("out") && quick {
				out = filepath.Join("out", "results-quick")
			}
			if !cmd.Flags().Changed("seeds") && quick {
				seeds = []uint{1}
			}
			var specs []*suite.Spec
			for _, key := range datasets {
				s, err := loadSpec(key, dataDir, quick)
				if err != nil {
					return err
				}
				if df.lists != "" && len(datasets) > 1 {
					return errors.New("--candidate-lists belong to one dataset: give one with --datasets")
				}
				if err := df.apply(s); err != nil {
					return err
				}
				switch {
				case maxHistory < 0:
					s.Finetune.MaxHistory = data.MaxUserEvents
				case maxHistory > 0:
					s.Finetune.MaxHistory = maxHistory
				}
				specs = append(specs, s)
			}
			plan := suite.Plan{Specs: specs, CandidateSeed: candidateSeed, Negatives: candidateNegatives,
				EvalWorkers: evalWorkers, CandidatesDir: candidates, CheckpointDir: checkpoints}
			for _, s := range seeds {
				plan.Seeds = append(plan.Seeds, uint64(s))
			}
			bars := progress.New(cmd.ErrOrStderr(), quiet)
			plan.Progress = bars.Update
			start := time.Now()
			res, err := suite.Run(cmd.Context(), plan)
			bars.Finish()
			if err != nil {
				return err
			}
			res.Command = "seminar " + strings.Join(os.Args[1:], " ")
			if err := writeResults(out, res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s/results.md, results.json and loss.png in %s\n", out,
				time.Since(start).Round(time.Second))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "docs", "folder of the report")
	fl.StringVar(&dataDir, "data-dir", "", "folder holding the public datasets (default: ../shared/data beside the repository)")
	fl.StringVar(&checkpoints, "checkpoints", "", "folder to write every trained model to (default: none)")
	fl.StringVar(&candidates, "candidates", filepath.Join("out", "candidates"), "folder of the saved candidates: reused when present, drawn and saved when not")
	fl.StringSliceVar(&datasets, "datasets", suite.Keys(), "datasets to run: built-in names or dataset files")
	df.register(fl)
	fl.UintSliceVar(&seeds, "seeds", []uint{1, 2, 3}, "seeds; metrics are mean ± std over them")
	fl.BoolVar(&quick, "quick", false, "train briefly with one seed (smoke run)")
	fl.BoolVar(&quiet, "quiet", false, "no progress bars")
	fl.IntVar(&evalWorkers, "eval-workers", 2, "goroutines ranking cases")
	fl.IntVar(&maxHistory, "max-history", 0, "most recent events of a finetuning history (0: the dataset's default; -1: the whole history)")
	fl.BoolVar(&render, "render", false, "only rewrite results.md and loss.png from <out>/results.json (no training)")
	return cmd
}

// rerender rewrites the Markdown report and the plot of the results saved in dir, keeping the
// command that produced them.
func rerender(dir string) error {
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := suite.ReadJSON(f)
	if err != nil {
		return err
	}
	return writeResults(dir, res)
}

// writeResults writes the three report files, each only once it is complete in memory.
func writeResults(dir string, res *suite.Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"results.json", func(b *bytes.Buffer) error { return suite.WriteJSON(b, res) }},
		{"results.md", func(b *bytes.Buffer) error { return suite.WriteMarkdown(b, res) }},
		{"loss.png", func(b *bytes.Buffer) error { return suite.WritePlot(b, res) }},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
