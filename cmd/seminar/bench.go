package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seminar-ranker/seminar/host/bench"
	"github.com/seminar-ranker/seminar/host/defaults"
)

func newBenchCmd() *cobra.Command {
	var quick, headline, asJSON bool
	var markdown string
	var opts bench.Options
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure rank latency, SIMD/scalar and wasm/native ratios, cold start and memory through wazero",
		Long: "Ranks a synthetic lifelong user (core/data/synth) through the scoring module in wazero (package host) " +
			"and natively through core/retrieval, and reports: warm rank latency over history lengths L and " +
			"candidate counts C (median and p90), PQ against exact retrieval, the SIMD128 module against the scalar " +
			"one and wasm against native Go on the same calls, cold start with and without the compilation cache, " +
			"the instance's linear memory, and the module sizes. Runners of one call are timed in turn, round " +
			"robin, so that the ratios share the machine's noise.\n\n" +
			"The model is a random one of the default configuration with a 4-bit codec trained on other synthetic " +
			"users, or --model (a codec is trained when the file has none). Rank options: the codec's PQ scan " +
			"with merged heads, refine over a shortlist of " + strconv.Itoa(defaults.ShortlistFactor) + "·K events from " +
			"the codes, ESU over the K kept events.",
		Example: "  seminar bench\n  seminar bench --quick --json\n  seminar bench --markdown docs/bench.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			plan := bench.FullPlan()
			switch {
			case quick:
				plan = bench.QuickPlan()
			case headline:
				plan = bench.HeadlinePlan()
			}
			opts.Command, opts.Log = benchCommand(cmd), cmd.ErrOrStderr()
			rep, err := bench.Run(cmd.Context(), plan, opts)
			if err != nil {
				return err
			}
			if markdown != "" {
				if err := writeChart(filepath.Join(filepath.Dir(markdown), bench.ChartFile), rep); err != nil {
					return err
				}
				rep.Chart = bench.ChartFile
				var buf bytes.Buffer
				if err := bench.WriteMarkdown(&buf, rep); err != nil {
					return err
				}
				if err := os.WriteFile(markdown, buf.Bytes(), 0o644); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return bench.WriteMarkdown(out, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&quick, "quick", false, "tiny sizes and a small model: checks that everything runs, measures nothing useful")
	fl.BoolVar(&headline, "headline", false, "only the headline ratios: rank ÷ reference scans at L = 10^4 and 10^5, C = 100 (about 30 s)")
	fl.StringVar(&opts.Reference, "reference", "", "reference kernels timed against the rank calls (default: ../shared/reference/fastscan_ref.wasm beside the repository)")
	fl.StringVar(&opts.Export, "export", "", "also write the model, each length's event store and each rank request to this folder, "+
		"for node web/scripts/rank-ratio.mjs to replay in V8")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON instead of Markdown tables")
	fl.StringVar(&markdown, "markdown", "", "also write the report as a Markdown page to this file (e.g. docs/bench.md)")
	fl.StringVar(&opts.Model, "model", "", "model file to rank with (default: a random model of the default configuration)")
	fl.StringVar(&opts.Modules, "modules", "", "folder holding seminar.wasm and seminar-scalar.wasm (default: the modules built into this binary)")
	fl.Uint64Var(&opts.Seed, "seed", 1, "seed of the random model, the synthetic users and the candidates")
	return cmd
}

// benchCommand spells out the command line of a run, for the report.
func benchCommand(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if fl.Value.Type() == "bool" {
			parts = append(parts, "--"+fl.Name)
		} else {
			parts = append(parts, "--"+fl.Name+" "+fl.Value.String())
		}
	})
	return strings.Join(parts, " ")
}

// writeChart writes the latency chart to path, beside the Markdown page that links it.
func writeChart(path string, rep *bench.Report) error {
	var buf bytes.Buffer
	if err := bench.WriteChart(&buf, rep); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
