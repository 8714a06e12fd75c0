package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/cmd/seminar/internal/progress"
	"github.com/seminar-ranker/seminar/host/demo"
)

func newDemoCmd() *cobra.Command {
	var opts demo.Options
	var quiet bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Train a small model, then rerank one user's candidates through the wasm module",
		Long: "The product's main job, end to end. Trains a small SEMINAR model on MovieLens-100K (PSU pretraining, " +
			"then the ranking finetune, through core/train; about a minute on two cores) and its 4-bit " +
			"product-quantization codec, or on generated data when ../shared/data is absent; the trained model is " +
			"cached, so later runs start at once. Then it takes a real user's history (every rating but the last), " +
			"the held-out movie among sampled ones the user never rated, and reranks them through the SIMD128 " +
			"WebAssembly module in wazero, as a device or a server would: the list before (by popularity) and " +
			"after, where the held-out movie landed, and the time each step took.",
		Example: "  seminar demo\n  seminar demo --user 42 --candidates 50\n  seminar demo --generated --retrain",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.CacheDir, err = demo.DefaultCacheDir(opts.CacheDir); err != nil {
				return err
			}
			opts.Log = cmd.ErrOrStderr()
			opts.Progress = progress.New(opts.Log, quiet)
			return runDemo(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DataDir, "data-dir", "", "folder holding the public datasets (default: ../shared/data beside the repository)")
	fl.BoolVar(&opts.Generated, "generated", false, "use generated data even when MovieLens-100K is present")
	fl.StringVar(&opts.CacheDir, "cache-dir", "", "where the trained model and the compiled module are cached (default: $XDG_CACHE_HOME/seminar)")
	fl.BoolVar(&opts.Retrain, "retrain", false, "train again even when a cached model exists")
	fl.StringVar(&opts.User, "user", "", "id of the user to rank for (default: the user with the longest history)")
	fl.IntVar(&opts.Candidates, "candidates", 30, "candidates to rerank, the held-out item included (2 to 200)")
	fl.IntVar(&opts.EvalUsers, "eval-users", 200, "users over whom the held-out item's rank is summarised (0: none)")
	fl.Uint64Var(&opts.Seed, "seed", 1, "seed of training, the codec and the candidates")
	fl.StringVar(&opts.Modules, "modules", "", "folder holding seminar.wasm and seminar-scalar.wasm (default: the modules built into this binary)")
	fl.BoolVar(&quiet, "quiet", false, "no progress bars")
	return cmd
}

// runDemo runs the demo's steps in turn, printing each one's part of the report as it ends.
func runDemo(cmd *cobra.Command, opts demo.Options) (err error) {
	ctx, out := cmd.Context(), cmd.OutOrStdout()
	job, err := demo.NewJob(opts)
	if err != nil {
		return err
	}
	if err := demo.WriteData(out, job); err != nil {
		return err
	}
	m, err := job.Model(ctx)
	if err != nil {
		return err
	}
	if err := demo.WriteModel(out, m); err != nil {
		return err
	}
	w, err := job.Open(ctx, m)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close(ctx)) }()
	if err := demo.WriteModule(out, w); err != nil {
		return err
	}
	run, err := job.Rank(ctx, w)
	if err != nil {
		return err
	}
	if err := demo.WriteRun(out, job, run); err != nil {
		return err
	}
	if opts.EvalUsers <= 0 {
		return nil
	}
	sum, err := job.Summary(ctx, w)
	if err != nil {
		return err
	}
	return demo.WriteSummary(out, sum)
}
