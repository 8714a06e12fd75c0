package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/cmd/seminar/internal/progress"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/study"
)

func newStudyCmd() *cobra.Command {
	var opts study.Options
	var markdown string
	var asJSON, quiet bool
	cmd := &cobra.Command{
		Use:   "study [flags]",
		Short: "Measure the approximate retrieval: recall, ranking metrics, bytes per event and speed",
		Long: "Runs the product-quantization study of docs/pq.md in one process: recall@50 and @100 of the " +
			"approximate GSU against the exact float32 GSU on ml-100k and on generated histories of 10^4 and " +
			"10^5 events, HIT/NDCG/MRR with approximate against exact retrieval, bytes per stored event, and " +
			"speed natively and inside wasm (wazero's compiler), with the 4-bit kernel against the scan4 export " +
			"of ../shared/reference/fastscan_ref.wasm. Without --model and --synth-model it uses random models " +
			"(model.New); with --train it first trains the model files they name that do not exist yet (PSU " +
			"pretraining, then the ranking finetune, as seminar demo trains), and --random measures random models " +
			"of the same configurations beside the trained ones. --markdown writes the report into a Markdown " +
			"file, between its lines " + study.MarkdownBegin + " and " + study.MarkdownEnd + ".",
		Example: "  seminar study\n  seminar study --model seminar-ml.model --json\n" +
			"  seminar study --train --random --model out/study-ml-100k.model --synth-model out/study-generated.model " +
			"--markdown docs/pq.md",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := cmd.ErrOrStderr()
			opts.Log, opts.Progress = log, progress.New(log, quiet)
			rep, err := study.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			rep.Command = "seminar study " + strings.Join(os.Args[2:], " ")
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			if markdown != "" {
				if err := study.WriteMarkdownRegion(markdown, rep.Markdown()); err != nil {
					return err
				}
				_, err = fmt.Fprintf(out, "wrote the report into %s\n", markdown)
				return err
			}
			_, err = io.WriteString(out, rep.Text())
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Model, "model", "", "model file for ml-100k (a \""+retrieval.Section+"\" section is used as its 4-bit codec); default: a random model")
	fl.StringVar(&opts.SynthModel, "synth-model", "", "model file for the generated data; default: a random model with one dense slot")
	fl.BoolVar(&opts.Train, "train", false, "train the --model and --synth-model files that do not exist, and write them there")
	fl.BoolVar(&opts.Random, "random", false, "also measure random models of the trained models' configurations (recall and ranking metrics)")
	fl.StringVar(&markdown, "markdown", "", "write the report into this Markdown file, between its marker lines, instead of printing it")
	fl.BoolVar(&quiet, "quiet", false, "no progress bars while training")
	fl.StringVar(&opts.MLDir, "ml-100k", "", "folder of the MovieLens 100K files (default: ../shared/data/ml-100k beside the repository)")
	fl.StringVar(&opts.Kernels, "kernels", "", "seminar-kernels.wasm to time (default: built from ./cmd/seminar-kernels into a temporary folder)")
	fl.StringVar(&opts.Reference, "reference", "", "reference kernels (default: ../shared/reference/fastscan_ref.wasm beside the repository)")
	fl.IntVar(&opts.Targets, "targets", 100, "targets per generated long history")
	fl.IntVar(&opts.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines of the ranking evaluation")
	fl.BoolVar(&opts.SkipWasm, "skip-wasm", false, "skip the measurements inside wasm")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
