package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/cmd/seminar/internal/progress"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/train"
)

func newEvalCmd() *cobra.Command {
	var (
		dataDir, split, candidates string
		dataset                    string
		df                         dataFlags
		workers                    int
		asJSON, quiet              bool
	)
	cmd := &cobra.Command{
		Use:   "eval MODEL",
		Short: "Rank a split's saved candidates with a trained model and print HIT, NDCG, MRR and AUC",
		Long: "Evaluates a ranking model file written by \"seminar train\" on the dataset it was trained on: " +
			"each case's positive among its 99 saved negatives (drawn into --candidates when missing), with the " +
			"model's retrieval rule and its dropped modality, through core/model.Scorer, over the whole history.",
		Example: "  seminar eval seminar.model\n  seminar eval din.model --split valid --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			m, meta, err := train.Load(b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if meta.Kind != train.KindRanker {
				return fmt.Errorf("%s is a %s checkpoint: only ranking models are evaluated", args[0], meta.Kind)
			}
			if dataset == "" {
				dataset = meta.Dataset
			}
			spec, err := loadSpec(dataset, dataDir, false)
			if err != nil {
				return err
			}
			if split == "valid" && df.lists != "" {
				return errors.New("--candidate-lists are test lists: use --split test")
			}
			if err := df.apply(spec); err != nil {
				return err
			}
			cases := spec.Task.Test
			if split == "valid" {
				cases = spec.Task.Valid
			} else if split != "test" {
				return fmt.Errorf("--split %q: valid or test", split)
			}
			d := spec.Task.Dataset
			cands, file := spec.TestCandidates, suite.CandidateFile{Path: df.lists, SHA256: "given"}
			if cands == nil || split == "valid" {
				if cands, file, err = suite.Candidates(candidates, d, split, cases, candidateSeed, candidateNegatives); err != nil {
					return err
				}
			}
			items, err := suite.DropModality(d.Items, d.DenseNames, meta.Drop)
			if err != nil {
				return err
			}
			tr := &suite.Trained{Model: m, Items: items, MaxHistory: spec.Finetune.MaxHistory,
				Method: suite.Method{Key: meta.Model, Strategy: *meta.Strategy, SASRec: meta.Model == "sasrec"}}
			bars := progress.New(cmd.ErrOrStderr(), quiet)
			rep, err := tr.Evaluate(cmd.Context(), cases, cands, workers, bars.Update,
				fmt.Sprintf("%s %s on %s", meta.Model, split, meta.Dataset))
			bars.Finish()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(struct {
					Model      string              `json:"model"`
					Dataset    string              `json:"dataset"`
					Split      string              `json:"split"`
					Candidates suite.CandidateFile `json:"candidates"`
					Report     eval.Report         `json:"report"`
				}{meta.Model, meta.Dataset, split, file, rep})
			}
			sum := file.SHA256
			if len(sum) > 12 {
				sum = "sha256 " + sum[:12] + "…"
			}
			fmt.Fprintf(out, "%s on %s %s: %d cases, candidates %s (%s)\n", meta.Model, dataset, split, rep.Cases,
				file.Path, sum)
			var cols []string
			for i, k := range rep.Ks {
				cols = append(cols, fmt.Sprintf("HIT@%d %.4f", k, rep.HIT[i]))
			}
			for i, k := range rep.Ks {
				if k > 1 {
					cols = append(cols, fmt.Sprintf("NDCG@%d %.4f", k, rep.NDCG[i]))
				}
			}
			cols = append(cols, fmt.Sprintf("MRR %.4f", rep.MRR), fmt.Sprintf("AUC %.4f", rep.AUC))
			fmt.Fprintln(out, strings.Join(cols, "  "))
			fmt.Fprintf(out, "events read per candidate %.1f; %.0f cases/s\n", rep.MeanEventsRead, float64(rep.Cases)/rep.Seconds)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dataDir, "data-dir", "", "folder holding the public datasets (default: ../shared/data beside the repository)")
	fl.StringVar(&split, "split", "test", "valid or test")
	fl.StringVar(&dataset, "data", "", "dataset or dataset file (default: the one the model was trained on)")
	df.register(fl)
	fl.StringVar(&candidates, "candidates", "out/candidates", "folder of the saved candidates (drawn there when missing)")
	fl.IntVar(&workers, "workers", 2, "goroutines ranking cases")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fl.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}
