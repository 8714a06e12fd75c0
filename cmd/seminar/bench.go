package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/seminar-ranker/seminar/core/abi"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
)

// rankShortlistFactor sizes the refine step of the default rank options: the 4-bit scan passes
// this many times K events on to be re-scored from their decoded codes.
const rankShortlistFactor = 4

// defaultRankOptions are the rank options the bench and the demo use: the codec's PQ scan with
// merged heads, a refine step over a shortlist of 4·K events from the codes, and the ESU over
// the K kept events' decoded vectors.
func defaultRankOptions(topK, bits int) host.RankOptions {
	return host.RankOptions{Bits: abi.Bits(bits), Shortlist: rankShortlistFactor * topK}
}

// exactRankOptions rank with the exact GSU over float32 event vectors, the same K and heads.
func exactRankOptions() host.RankOptions {
	return host.RankOptions{Exact: true}
}

// Runner names of the rows of a bench report.
const (
	runnerSIMD   = "wasm SIMD128"
	runnerScalar = "wasm scalar"
	runnerNative = "native Go"
	// runnerAnywhere is the SIMD module in a runtime that stops a cancelled call anywhere
	// (host.CancelAnywhere), whose checks in every loop cost time.
	runnerAnywhere = "wasm SIMD128, cancel anywhere"
	// runnerBetweenCalls is the SIMD module in a runtime that never stops a running call
	// (host.CancelBetweenCalls): what the host's default costs is the difference.
	runnerBetweenCalls = "wasm SIMD128, cancel between calls"
)

// Retrieval modes of the rows of a bench report.
const (
	modePQ     = "pq"      // 4-bit codes; refine and ESU from the codes
	modePQInt8 = "pq-int8" // 4-bit codes; refine and ESU from an int8 copy of the event vectors
	modeExact  = "exact"   // exact GSU over float32 event vectors
)

// benchPlan is what a bench run measures and how hard it tries.
type benchPlan struct {
	Model      model.Config `json:"-"`          // of the random model
	ModelName  string       `json:"model_name"` // says which random model
	Lengths    []int        `json:"lengths"`    // history lengths L
	Candidates []int        `json:"candidates"` // candidate counts C
	// FocusL and FocusC are the call the ratios and the targets are taken on.
	FocusL        int     `json:"focus_l"`
	FocusC        int     `json:"focus_c"`
	ScalarLengths []int   `json:"scalar_lengths"` // lengths also ranked by the scalar module
	Items         int     `json:"items"`          // synthetic catalogue size
	CodecUsers    int     `json:"codec_users"`    // other users whose events train the codebooks
	CodecEvents   int     `json:"codec_events"`   // events of each of them
	Warmup        int     `json:"warmup"`         // calls per runner before timing
	MinReps       int     `json:"min_reps"`
	MaxReps       int     `json:"max_reps"`
	CellBudget    float64 `json:"cell_budget_seconds"` // timed seconds aimed at per cell
	ColdReps      int     `json:"cold_reps"`           // cold starts without the cache
	CachedReps    int     `json:"cached_reps"`         // cold starts with it
	Judge         bool    `json:"judge"`               // whether the sizes are those the targets speak of
}

func fullBenchPlan() benchPlan {
	return benchPlan{
		Model: model.DefaultConfig(), ModelName: "random, default configuration", Lengths: []int{1_000, 10_000, 100_000}, Candidates: []int{10, 100, 500},
		FocusL: 10_000, FocusC: 100, ScalarLengths: []int{10_000}, Items: 10_000, CodecUsers: 10, CodecEvents: 2_000,
		Warmup: 1, MinReps: 7, MaxReps: 41, CellBudget: 1.5, ColdReps: 3, CachedReps: 7, Judge: true,
	}
}

// quickBenchPlan runs every part of the bench on tiny sizes and a small model: a smoke run.
func quickBenchPlan() benchPlan {
	c := model.DefaultConfig()
	c.Dim, c.Heads, c.TopK, c.MLPHidden = 16, 2, 16, []int{16}
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 1<<10, 1<<10, 1<<8
	return benchPlan{
		Model: c, ModelName: "random, small (--quick)", Lengths: []int{100, 1_000}, Candidates: []int{5, 20}, FocusL: 1_000, FocusC: 20,
		ScalarLengths: []int{1_000}, Items: 500, CodecUsers: 2, CodecEvents: 500,
		Warmup: 1, MinReps: 3, MaxReps: 5, CellBudget: 0.02, ColdReps: 1, CachedReps: 1,
	}
}

type benchFlags struct {
	quick, asJSON bool
	markdown      string
	model         string
	modules       string
	seed          uint64
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
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
			"with merged heads, refine over a shortlist of " + strconv.Itoa(rankShortlistFactor) + "·K events from " +
			"the codes, ESU over the K kept events.",
		Example: "  seminar bench\n  seminar bench --quick --json\n  seminar bench --markdown docs/bench.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			plan := fullBenchPlan()
			if f.quick {
				plan = quickBenchPlan()
			}
			rep, err := runBench(cmd.Context(), f, plan, benchCommand(cmd), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if f.markdown != "" {
				var buf bytes.Buffer
				if err := writeBenchMarkdown(&buf, rep); err != nil {
					return err
				}
				if err := os.WriteFile(f.markdown, buf.Bytes(), 0o644); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return writeBenchMarkdown(out, rep)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.quick, "quick", false, "tiny sizes and a small model: checks that everything runs, measures nothing useful")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON instead of Markdown tables")
	fl.StringVar(&f.markdown, "markdown", "", "also write the report as a Markdown page to this file (e.g. docs/bench.md)")
	fl.StringVar(&f.model, "model", "", "model file to rank with (default: a random model of the default configuration)")
	fl.StringVar(&f.modules, "modules", "", "folder holding seminar.wasm and seminar-scalar.wasm (default: the modules built into this binary)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the random model, the synthetic users and the candidates")
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

// benchReport is everything a bench run measured; --json prints it as it is.
type benchReport struct {
	Command   string        `json:"command"`
	Date      string        `json:"date"`
	Machine   benchMachine  `json:"machine"`
	Plan      benchPlan     `json:"plan"`
	Setup     benchSetupRow `json:"setup"`
	Modules   []moduleSize  `json:"modules"`
	Rank      []rankRow     `json:"rank"`
	Ratios    []ratioRow    `json:"ratios"`
	ColdStart []coldRow     `json:"cold_start"`
	Memory    []memoryRow   `json:"memory"`
	Targets   []targetRow   `json:"targets"`
	Notes     []string      `json:"notes"`
	Seconds   float64       `json:"seconds"`
}

type benchMachine struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPU       string `json:"cpu,omitempty"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"load_average,omitempty"` // at the start, from /proc/loadavg
}

type benchSetupRow struct {
	Model         string `json:"model"`
	Params        int    `json:"params"`
	FileBytes     int    `json:"model_file_bytes"`
	Codec         string `json:"codec"`
	Bits          int    `json:"bits"`
	CodesPerEvent int    `json:"codes_per_event"`
	BytesPerEvent int    `json:"bytes_per_event"`
	Events        string `json:"events"`
	Options       string `json:"rank_options"`
	Modules       string `json:"modules"`
}

type moduleSize struct {
	Name string `json:"name"`
	Raw  int    `json:"raw_bytes"`
	Gzip int    `json:"gzip_bytes"`
}

// stages are where one rank call spent its time, in microseconds: the module's reply timings,
// or core/retrieval's natively.
type stages struct {
	Total float64 `json:"total_us"`
	LUT   float64 `json:"lut_us"`
	Scan  float64 `json:"scan_us"`
	TopK  float64 `json:"topk_us"`
	ESU   float64 `json:"esu_us"`
}

type rankRow struct {
	Runner string  `json:"runner"`
	Mode   string  `json:"mode"`
	L      int     `json:"l"`
	C      int     `json:"c"`
	Reps   int     `json:"reps"`
	Median float64 `json:"median_ms"` // of the whole call, as its caller sees it
	P90    float64 `json:"p90_ms"`
	Inside stages  `json:"inside"` // medians of the ranker's own timings
	// SameOrder says whether the last call ordered the candidates as the native ranker did.
	SameOrder bool `json:"same_order_as_native"`
}

type ratioRow struct {
	Name  string  `json:"name"`
	L     int     `json:"l"`
	C     int     `json:"c"`
	Value float64 `json:"value"`
}

type coldRow struct {
	Cache       bool    `json:"cache"`
	Runtime     string  `json:"runtime"` // the runtime's host.Cancellation
	Reps        int     `json:"reps"`
	Compile     float64 `json:"compile_ms"` // host.NewRuntime: compile (or read the cache) and a probe instance
	Instantiate float64 `json:"instantiate_ms"`
	LoadModel   float64 `json:"load_model_ms"`
	Total       float64 `json:"total_ms"` // median of the sums, not the sum of the medians
}

type memoryRow struct {
	L          int    `json:"l"`
	Model      uint64 `json:"after_model_bytes"`
	Events     uint64 `json:"after_events_bytes"`
	AfterRanks uint64 `json:"after_ranking_bytes"`
}

type targetRow struct {
	Name     string  `json:"name"`
	Target   string  `json:"target"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit"`
	Met      bool    `json:"met"`
	Judged   bool    `json:"judged"` // false on --quick sizes, which the targets do not speak of
}

// benchData is the model and the synthetic user a run ranks with.
type benchData struct {
	file   []byte
	model  *model.Model
	codec  *retrieval.Codec
	hostEv []host.Event
	coreEv []retrieval.Event
	cands  []data.Item
	query  string
	opts   host.RankOptions
	setup  benchSetupRow
}

func runBench(ctx context.Context, f benchFlags, plan benchPlan, command string, log io.Writer) (*benchReport, error) {
	start := time.Now()
	rep := &benchReport{Command: command, Date: start.UTC().Format("2006-01-02 15:04 UTC"), Machine: machine(), Plan: plan}
	mods, err := benchModules(f.modules)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		wasm []byte
	}{{"seminar.wasm (SIMD128)", mods.SIMD}, {"seminar-scalar.wasm", mods.Scalar}} {
		n, err := gzipSize(m.wasm)
		if err != nil {
			return nil, err
		}
		rep.Modules = append(rep.Modules, moduleSize{Name: m.name, Raw: len(m.wasm), Gzip: n})
	}
	fmt.Fprintf(log, "bench: preparing the model and %d synthetic events\n", slices.Max(plan.Lengths))
	d, err := newBenchData(ctx, f, plan)
	if err != nil {
		return nil, err
	}
	rep.Setup = d.setup
	rep.Setup.Modules = "built into this binary (package host/module)"
	if f.modules != "" {
		rep.Setup.Modules = "seminar.wasm and seminar-scalar.wasm from " + f.modules
	}

	cacheDir, err := os.MkdirTemp("", "seminar-bench-cache-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cacheDir)
	fmt.Fprintln(log, "bench: cold start")
	if rep.ColdStart, err = coldStarts(ctx, mods.SIMD, d.file, cacheDir, plan); err != nil {
		return nil, err
	}

	rts, err := newBenchRuntimes(ctx, mods, cacheDir)
	if err != nil {
		return nil, err
	}
	defer rts.close(ctx)
	for _, l := range plan.Lengths {
		rows, mem, err := benchLength(ctx, d, plan, l, rts, log)
		if err != nil {
			return nil, fmt.Errorf("bench: L=%d: %w", l, err)
		}
		rep.Rank = append(rep.Rank, rows...)
		rep.Memory = append(rep.Memory, mem)
	}
	rep.Ratios, rep.Targets = ratiosAndTargets(rep, plan)
	rep.Notes = benchNotes(rep)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// benchRuntimes are the compiled modules the warm calls run on: the host's default runtime
// (host.CancelAtClock), and the SIMD module under the other two ways of cancelling.
type benchRuntimes struct {
	simd, scalar, anywhere, betweenCalls *host.Runtime
}

func newBenchRuntimes(ctx context.Context, mods host.Modules, cacheDir string) (*benchRuntimes, error) {
	rts := &benchRuntimes{}
	for _, r := range []struct {
		dst  **host.Runtime
		mods host.Modules
		opts host.Options
		simd bool
	}{
		{&rts.simd, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir}, true},
		{&rts.scalar, host.Modules{Scalar: mods.Scalar}, host.Options{CacheDir: cacheDir}, false},
		{&rts.anywhere, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir, Cancellation: host.CancelAnywhere}, true},
		{&rts.betweenCalls, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir, Cancellation: host.CancelBetweenCalls}, true},
	} {
		rt, err := host.NewRuntime(ctx, r.mods, r.opts)
		if err != nil {
			return nil, errors.Join(err, rts.close(ctx))
		}
		*r.dst = rt
		if rt.Features().SIMD() != r.simd {
			return nil, errors.Join(fmt.Errorf("bench: a module reports SIMD128 kernels %v, want %v", rt.Features().SIMD(), r.simd),
				rts.close(ctx))
		}
	}
	return rts, nil
}

func (r *benchRuntimes) close(ctx context.Context) error {
	var errs []error
	for _, rt := range []*host.Runtime{r.simd, r.scalar, r.anywhere, r.betweenCalls} {
		if rt != nil {
			errs = append(errs, rt.Close(ctx))
		}
	}
	return errors.Join(errs...)
}

// benchModules reads the two modules from dir, or returns those built into the binary.
func benchModules(dir string) (host.Modules, error) {
	if dir == "" {
		return module.Modules()
	}
	simd, err := os.ReadFile(filepath.Join(dir, "seminar.wasm"))
	if err != nil {
		return host.Modules{}, err
	}
	scalar, err := os.ReadFile(filepath.Join(dir, "seminar-scalar.wasm"))
	if err != nil {
		return host.Modules{}, err
	}
	return host.Modules{SIMD: simd, Scalar: scalar}, nil
}

func gzipSize(b []byte) (int, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(b); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

func machine() benchMachine {
	m := benchMachine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPU = strings.TrimSpace(value)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// newBenchData makes the model file (with a codec) and the synthetic user: one lifelong history
// of the longest length, whose prefixes are the shorter ones, and candidates drawn from the same
// catalogue.
func newBenchData(ctx context.Context, f benchFlags, plan benchPlan) (*benchData, error) {
	d := &benchData{}
	extras := map[string][]byte{}
	modelName := plan.ModelName
	if f.model != "" {
		var err error
		if d.model, extras, err = readModel(f.model); err != nil {
			return nil, err
		}
		modelName = f.model
	} else {
		cfg := plan.Model
		cfg.Seed = f.seed
		var err error
		if d.model, err = model.New(cfg); err != nil {
			return nil, err
		}
	}
	cfg := d.model.Config()

	user, err := synth.LongUser(f.seed, plan.Items, slices.Max(plan.Lengths))
	if err != nil {
		return nil, err
	}
	items := benchItems(user.Items, cfg.DenseDims)
	for _, e := range user.Users[0].Events {
		d.hostEv = append(d.hostEv, host.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: items[e.Item]})
		d.coreEv = append(d.coreEv, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &items[e.Item]})
	}
	// The current query is the user's latest search, as if it were typed again.
	for j := plan.FocusL - 1; j >= 0 && d.query == ""; j-- {
		d.query = d.hostEv[j].Query
	}
	rng := rand.New(rand.NewPCG(f.seed, 0xbe4c))
	for _, i := range rng.Perm(len(items))[:slices.Max(plan.Candidates)] {
		d.cands = append(d.cands, items[i])
	}

	codecNote := "from " + f.model
	if sec, ok := extras[retrieval.Section]; ok {
		if d.codec, err = retrieval.LoadCodec(d.model, sec); err != nil {
			return nil, fmt.Errorf("%s: %w", f.model, err)
		}
	} else {
		if d.codec, err = benchCodec(ctx, d.model, f.seed, plan); err != nil {
			return nil, err
		}
		if extras[retrieval.Section], err = d.codec.MarshalBinary(); err != nil {
			return nil, err
		}
		codecNote = fmt.Sprintf("trained on %d events of %d other synthetic users", plan.CodecUsers*plan.CodecEvents, plan.CodecUsers)
	}
	var buf bytes.Buffer
	if err := modelfile.Save(&buf, d.model, extras); err != nil {
		return nil, err
	}
	d.file = buf.Bytes()
	d.opts = defaultRankOptions(cfg.TopK, d.codec.Bits())

	var groups []string
	for _, g := range d.codec.Groups() {
		groups = append(groups, g.String())
	}
	if d.codec.Fine() != nil {
		groups = append(groups, fmt.Sprintf("8-bit fine codes of the residual (%d bytes)", d.codec.FineBytes()))
	}
	d.setup = benchSetupRow{
		Model:  fmt.Sprintf("%s: d=%d, %d heads, K=%d, MLP %v", modelName, cfg.Dim, cfg.Heads, cfg.TopK, cfg.MLPHidden),
		Params: cfg.NumParams(), FileBytes: len(d.file),
		Codec: fmt.Sprintf("%d-bit, codebooks %s, %s", d.codec.Bits(), strings.Join(groups, " | "), codecNote),
		Bits:  d.codec.Bits(), CodesPerEvent: d.codec.CodesPerEvent(),
		BytesPerEvent: retrieval.NewStore(d.codec, retrieval.StoreOptions{}).BytesPerEvent(),
		Events: fmt.Sprintf("one synthetic user (core/data/synth.LongUser, seed %d, %d items); shorter histories are "+
			"prefixes of the longest, about one event a minute; search query %q; candidates drawn uniformly from the catalogue", f.seed,
			plan.Items, d.query),
		Options: fmt.Sprintf("pq: bits %d, K %d (the model's), merged heads, refine over a shortlist of %d, refine and "+
			"ESU from the codes; pq-int8: the same with the refine step and the ESU reading an int8 copy of the event "+
			"vectors (%d more bytes per event); exact: bits 0, the GSU over float32 event vectors, same K and heads",
			d.opts.Bits, cfg.TopK, d.opts.Shortlist, cfg.Dim+4),
	}
	return d, nil
}

// benchItems returns the catalogue as the model can encode it: the dense vectors of slots the
// model lacks, or of another width, dropped.
func benchItems(items []data.Item, dims []int) []data.Item {
	out := make([]data.Item, len(items))
	for i, it := range items {
		dense := make([][]float32, min(len(it.Dense), len(dims)))
		for k := range dense {
			if len(it.Dense[k]) == dims[k] {
				dense[k] = it.Dense[k]
			}
		}
		it.Dense = dense
		out[i] = it
	}
	return out
}

// benchCodec trains the default 4-bit codec on other users of the bench user's catalogue: users
// 1 and up of the same seed, since user 0 is the bench user's stream.
func benchCodec(ctx context.Context, m *model.Model, seed uint64, plan benchPlan) (*retrieval.Codec, error) {
	c := synth.DefaultConfig()
	c.Seed, c.Items, c.Users, c.MinEvents, c.MaxEvents = seed, plan.Items, plan.CodecUsers+1, plan.CodecEvents, plan.CodecEvents
	c.Interests = min(c.Interests, plan.Items)
	ds, err := synth.Generate(c)
	if err != nil {
		return nil, err
	}
	others := make([]int, plan.CodecUsers)
	for i := range others {
		others[i] = i + 1
	}
	cf := codecFlags{layout: "two-stage", bits: 4, fine: -1, seed: seed}
	return cf.train(ctx, m, datasetEvents(ds, others, m))
}

// coldStarts measures fresh runtimes up to a loaded model: without a compilation cache, then with
// one that an earlier runtime filled, for the host's default runtime and for one that cancels
// anywhere, which wazero compiles and caches apart.
func coldStarts(ctx context.Context, simd, file []byte, cacheDir string, plan benchPlan) ([]coldRow, error) {
	var rows []coldRow
	for _, c := range []struct {
		cache  bool
		cancel host.Cancellation
	}{{false, host.CancelAtClock}, {true, host.CancelAtClock}, {true, host.CancelAnywhere}} {
		opts := host.Options{Cancellation: c.cancel}
		reps := plan.ColdReps
		if c.cache {
			opts.CacheDir, reps = cacheDir, plan.CachedReps
			rt, err := host.NewRuntime(ctx, host.Modules{SIMD: simd}, opts)
			if err != nil {
				return nil, err
			}
			if err := rt.Close(ctx); err != nil {
				return nil, err
			}
		}
		var compile, inst, load, total []float64
		for range reps {
			c, i, l, err := coldStart(ctx, simd, file, opts)
			if err != nil {
				return nil, err
			}
			compile, inst, load = append(compile, ms(c)), append(inst, ms(i)), append(load, ms(l))
			total = append(total, ms(c+i+l))
		}
		rows = append(rows, coldRow{Cache: c.cache, Runtime: c.cancel.String(), Reps: reps,
			Compile: quantile(compile, 0.5), Instantiate: quantile(inst, 0.5), LoadModel: quantile(load, 0.5),
			Total: quantile(total, 0.5)})
	}
	return rows, nil
}

func coldStart(ctx context.Context, simd, file []byte, opts host.Options) (compile, inst, load time.Duration, err error) {
	t0 := time.Now()
	rt, err := host.NewRuntime(ctx, host.Modules{SIMD: simd}, opts)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { err = errors.Join(err, rt.Close(ctx)) }()
	t1 := time.Now()
	in, err := rt.NewInstance(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	t2 := time.Now()
	if _, err := host.NewRanker(in).LoadModel(ctx, file); err != nil {
		return 0, 0, 0, err
	}
	t3 := time.Now()
	return t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), nil
}

// benchMode is a retrieval setting of the bench: what the instance keeps of the events and the
// rank options.
type benchMode struct {
	name  string
	store host.StoreOptions
	opts  host.RankOptions
}

// benchModes are the default PQ ranking, the same with the int8 copy of the event vectors for
// the refine step and the ESU, and the exact GSU.
func benchModes(d *benchData) (pq, pqInt8, exact benchMode) {
	int8Opts := d.opts
	int8Opts.Refine, int8Opts.ESU = abi.SourceInt8, abi.SourceInt8
	return benchMode{modePQ, host.StoreOptions{}, d.opts},
		benchMode{modePQInt8, host.StoreOptions{Int8: true}, int8Opts},
		benchMode{modeExact, host.StoreOptions{Exact: true}, exactRankOptions()}
}

// contender is one way of making a rank call, timed against the others of the same call.
type contender struct {
	runner, mode string
	onlyC        int // the one candidate count it runs at; 0 for every count
	call         func(c int) (stages, []int32, error)
}

// benchLength ranks with every runner over the first l events: a fresh instance of each module
// with the model and the events loaded, and native stores. At the focus length it adds, on the
// focus call only, the runtimes that cancel anywhere and between calls, the int8 copy and exact
// retrieval.
func benchLength(ctx context.Context, d *benchData, plan benchPlan, l int, rts *benchRuntimes, log io.Writer) (
	rows []rankRow, mem memoryRow, err error) {
	mem.L = l
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	focus := l == plan.FocusL
	pq, pqInt8, exact := benchModes(d)
	var cs []contender
	wasm := func(rt *host.Runtime, runner string, m benchMode, onlyC int, afterModel func(*host.Instance)) error {
		r, closeInst, err := loadedRanker(ctx, rt, d, l, m.store, afterModel)
		if err != nil {
			return err
		}
		closers = append(closers, closeInst)
		cs = append(cs, contender{runner, m.name, onlyC, func(c int) (stages, []int32, error) {
			reply, err := r.Rank(ctx, &host.RankRequest{Query: d.query, Candidates: d.cands[:c], Options: m.opts})
			t := reply.Timings
			return stages{Total: t.Total, LUT: t.LUT, Scan: t.Scan, TopK: t.TopK, ESU: t.ESU}, reply.Order, err
		}})
		return nil
	}
	native, err := newNativeRanker(d, l, focus)
	if err != nil {
		return nil, mem, err
	}
	nativeContender := func(m benchMode, onlyC int) contender {
		return contender{runnerNative, m.name, onlyC, func(c int) (stages, []int32, error) { return native.rank(m, c) }}
	}

	var measured *host.Instance
	if err := wasm(rts.simd, runnerSIMD, pq, 0, func(inst *host.Instance) {
		measured, mem.Model = inst, inst.MemorySize()
	}); err != nil {
		return nil, mem, err
	}
	mem.Events = measured.MemorySize()
	if slices.Contains(plan.ScalarLengths, l) {
		if err := wasm(rts.scalar, runnerScalar, pq, 0, nil); err != nil {
			return nil, mem, err
		}
	}
	cs = append(cs, nativeContender(pq, 0))
	if focus {
		for _, r := range []struct {
			rt     *host.Runtime
			runner string
		}{{rts.anywhere, runnerAnywhere}, {rts.betweenCalls, runnerBetweenCalls}} {
			if err := wasm(r.rt, r.runner, pq, plan.FocusC, nil); err != nil {
				return nil, mem, err
			}
		}
		for _, m := range []benchMode{pqInt8, exact} {
			if err := wasm(rts.simd, runnerSIMD, m, plan.FocusC, nil); err != nil {
				return nil, mem, err
			}
			cs = append(cs, nativeContender(m, plan.FocusC))
		}
	}

	for _, c := range plan.Candidates {
		fmt.Fprintf(log, "bench: L=%d C=%d\n", l, c)
		var here []contender
		for _, ct := range cs {
			if ct.onlyC == 0 || ct.onlyC == c {
				here = append(here, ct)
			}
		}
		rs, err := measureCall(here, l, c, plan)
		if err != nil {
			return nil, mem, err
		}
		rows = append(rows, rs...)
	}
	mem.AfterRanks = measured.MemorySize()
	return rows, mem, nil
}

// loadedRanker instantiates rt and loads the model and the first l events. afterModel, if set,
// runs between the two.
func loadedRanker(ctx context.Context, rt *host.Runtime, d *benchData, l int, store host.StoreOptions,
	afterModel func(*host.Instance)) (
	*host.Ranker, func(), error) {
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		return nil, nil, err
	}
	closeInst := func() { inst.Close(ctx) }
	r := host.NewRanker(inst)
	if _, err := r.LoadModel(ctx, d.file); err != nil {
		closeInst()
		return nil, nil, err
	}
	if afterModel != nil {
		afterModel(inst)
	}
	if _, err := r.LoadEvents(ctx, d.hostEv[:l], store); err != nil {
		closeInst()
		return nil, nil, err
	}
	return r, closeInst, nil
}

// nativeRanker ranks through core/retrieval as the module does, over stores and an exact history
// of the first events.
type nativeRanker struct {
	ranker      *retrieval.Ranker
	store, int8 *retrieval.Store // int8 is nil unless asked for
	history     *model.History
	cands       []retrieval.Candidate
}

func newNativeRanker(d *benchData, l int, withInt8 bool) (*nativeRanker, error) {
	n := &nativeRanker{ranker: retrieval.NewRanker(d.codec), store: retrieval.NewStore(d.codec, retrieval.StoreOptions{}),
		history: d.model.NewHistory(l)}
	stores := []*retrieval.Store{n.store}
	if withInt8 {
		n.int8 = retrieval.NewStore(d.codec, retrieval.StoreOptions{Int8: true})
		stores = append(stores, n.int8)
	}
	enc := model.NewEncoder(d.model)
	for _, s := range stores {
		s.Reserve(l)
	}
	for j, e := range d.coreEv[:l] {
		for _, s := range stores {
			if err := s.Append(e); err != nil {
				return nil, fmt.Errorf("event %d: %w", j, err)
			}
		}
		if err := enc.AppendEvent(n.history, e.Query, e.Kind, e.Item); err != nil {
			return nil, fmt.Errorf("event %d: %w", j, err)
		}
	}
	for i := range d.cands {
		n.cands = append(n.cands, retrieval.Candidate{Query: d.query, Kind: data.Search, Item: &d.cands[i]})
	}
	return n, nil
}

// rank ranks the first c candidates as the module does in mode m.
func (n *nativeRanker) rank(m benchMode, c int) (stages, []int32, error) {
	o := m.opts
	opt := retrieval.Options{K: o.K, Shortlist: o.Shortlist, Heads: retrieval.Heads(o.Heads),
		Refine: retrieval.Vectors(o.Refine), ESU: retrieval.Vectors(o.ESU)}
	var res retrieval.Result
	var err error
	switch {
	case m.store.Exact:
		res, err = n.ranker.RankExact(n.history, n.cands[:c], retrieval.Options{K: opt.K, Heads: opt.Heads})
	case m.store.Int8 && n.int8 != nil:
		res, err = n.ranker.Rank(n.int8, n.cands[:c], opt)
	case m.store.Int8:
		err = errors.New("bench: no native int8 store at this length")
	default:
		res, err = n.ranker.Rank(n.store, n.cands[:c], opt)
	}
	return nativeStages(res.Timings), res.Order, err
}

func nativeStages(t retrieval.Timings) stages {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return stages{Total: us(t.Total()), LUT: us(t.Targets), Scan: us(t.Scan), TopK: us(t.Select), ESU: us(t.ESU)}
}

// measureCall times the contenders on the first c candidates over l events, in turn: each warms up, then
// every repetition calls each of them once, starting from a different one each time, so that
// the machine's load drifts over all of them alike. The number of repetitions fits the plan's
// budget, within its bounds.
func measureCall(cs []contender, l, c int, plan benchPlan) ([]rankRow, error) {
	var round time.Duration
	for _, ct := range cs {
		for w := range plan.Warmup {
			t0 := time.Now()
			if _, _, err := ct.call(c); err != nil {
				return nil, fmt.Errorf("%s %s C=%d: %w", ct.runner, ct.mode, c, err)
			}
			if w == plan.Warmup-1 {
				round += time.Since(t0)
			}
		}
	}
	reps := plan.MaxReps
	if round > 0 {
		reps = min(max(int(plan.CellBudget*float64(time.Second)/float64(round)), plan.MinReps), plan.MaxReps)
	}
	walls := make([][]float64, len(cs))
	inside := make([][]stages, len(cs))
	orders := make([][]int32, len(cs))
	for rep := range reps {
		for k := range cs {
			i := (rep + k) % len(cs)
			t0 := time.Now()
			st, order, err := cs[i].call(c)
			wall := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("%s %s C=%d: %w", cs[i].runner, cs[i].mode, c, err)
			}
			walls[i] = append(walls[i], ms(wall))
			inside[i] = append(inside[i], st)
			orders[i] = slices.Clone(order)
		}
	}
	nativeOrder := map[string][]int32{}
	for i, ct := range cs {
		if ct.runner == runnerNative {
			nativeOrder[ct.mode] = orders[i]
		}
	}
	rows := make([]rankRow, len(cs))
	for i, ct := range cs {
		want, ok := nativeOrder[ct.mode]
		rows[i] = rankRow{Runner: ct.runner, Mode: ct.mode, L: l, C: c, Reps: reps,
			Median: quantile(walls[i], 0.5), P90: quantile(walls[i], 0.9), Inside: medianStages(inside[i]),
			SameOrder: ok && slices.Equal(orders[i], want)}
	}
	return rows, nil
}

func medianStages(ss []stages) stages {
	pick := func(f func(stages) float64) float64 {
		xs := make([]float64, len(ss))
		for i, s := range ss {
			xs[i] = f(s)
		}
		return quantile(xs, 0.5)
	}
	return stages{
		Total: pick(func(s stages) float64 { return s.Total }), LUT: pick(func(s stages) float64 { return s.LUT }),
		Scan: pick(func(s stages) float64 { return s.Scan }), TopK: pick(func(s stages) float64 { return s.TopK }),
		ESU: pick(func(s stages) float64 { return s.ESU }),
	}
}

// quantile returns the q-quantile of xs by the nearest-rank method (the median of an even count
// is the lower middle value); 0 for none.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.999999)
	return s[min(max(rank, 1), len(s))-1]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// findRow returns the row of a runner and mode at (l, c).
func findRow(rows []rankRow, runner, mode string, l, c int) (rankRow, bool) {
	for _, r := range rows {
		if r.Runner == runner && r.Mode == mode && r.L == l && r.C == c {
			return r, true
		}
	}
	return rankRow{}, false
}

// ratiosAndTargets derives the ratios of the focus call and of every call ranked by two
// runners, and judges the targets.
func ratiosAndTargets(rep *benchReport, plan benchPlan) ([]ratioRow, []targetRow) {
	var ratios []ratioRow
	add := func(name string, num, den rankRow) {
		if den.Median > 0 {
			ratios = append(ratios, ratioRow{Name: name, L: num.L, C: num.C, Value: num.Median / den.Median})
		}
	}
	for _, r := range rep.Rank {
		if r.Runner != runnerSIMD {
			continue
		}
		if sc, ok := findRow(rep.Rank, runnerScalar, r.Mode, r.L, r.C); ok {
			add("scalar ÷ SIMD128 (wasm)", sc, r)
		}
		if nat, ok := findRow(rep.Rank, runnerNative, r.Mode, r.L, r.C); ok {
			add("wasm SIMD128 ÷ native ("+r.Mode+")", r, nat)
		}
		if r.Mode == modePQ {
			if ex, ok := findRow(rep.Rank, runnerSIMD, modeExact, r.L, r.C); ok {
				add("exact ÷ PQ (wasm SIMD128)", ex, r)
			}
			if i8, ok := findRow(rep.Rank, runnerSIMD, modePQInt8, r.L, r.C); ok {
				add("PQ from codes ÷ PQ with the int8 copy (wasm SIMD128)", r, i8)
			}
			if any, ok := findRow(rep.Rank, runnerAnywhere, modePQ, r.L, r.C); ok {
				add("cancel anywhere ÷ cancel at clock reads, the default (wasm SIMD128)", any, r)
			}
			if between, ok := findRow(rep.Rank, runnerBetweenCalls, modePQ, r.L, r.C); ok {
				add("cancel at clock reads, the default ÷ cancel between calls (wasm SIMD128)", r, between)
			}
		}
	}
	slices.SortStableFunc(ratios, func(a, b ratioRow) int { return cmp.Compare(a.Name, b.Name) })

	var targets []targetRow
	focus, okFocus := findRow(rep.Rank, runnerSIMD, modePQ, plan.FocusL, plan.FocusC)
	scalar, okScalar := findRow(rep.Rank, runnerScalar, modePQ, plan.FocusL, plan.FocusC)
	call := fmt.Sprintf("L=%s, C=%d", thousands(plan.FocusL), plan.FocusC)
	if okFocus {
		targets = append(targets, targetRow{Name: "rank " + call + ", wasm SIMD128, warm (median)", Target: "≤ 10 ms",
			Measured: focus.Median, Unit: "ms", Met: focus.Median <= 10, Judged: plan.Judge})
	}
	if okFocus && okScalar && focus.Median > 0 {
		v := scalar.Median / focus.Median
		targets = append(targets, targetRow{Name: "SIMD128 speed-up over scalar, " + call, Target: "≥ 3×",
			Measured: v, Unit: "×", Met: v >= 3, Judged: plan.Judge})
	}
	for _, c := range rep.ColdStart {
		if c.Cache && c.Runtime == host.CancelAtClock.String() {
			targets = append(targets, targetRow{Name: "cold start with the compilation cache (median)", Target: "≤ 100 ms",
				Measured: c.Total, Unit: "ms", Met: c.Total <= 100, Judged: plan.Judge})
		}
	}
	return ratios, targets
}

func benchNotes(rep *benchReport) []string {
	var notes []string
	p := rep.Plan
	if r, ok := findRow(rep.Rank, runnerSIMD, modePQ, p.FocusL, p.FocusC); ok && r.Inside.Total > 0 {
		in := r.Inside
		share := func(x float64) string { return strconv.FormatFloat(100*x/in.Total, 'f', 0, 64) + "%" }
		notes = append(notes, fmt.Sprintf("Where the SIMD128 module spends a call at L = %s, C = %d (pq): ESU and MLP %s, "+
			"top-K and refine %s, lookup tables %s, the 4-bit scan of every event %s.", thousands(p.FocusL), p.FocusC,
			share(in.ESU), share(in.TopK), share(in.LUT), share(in.Scan)))
	}
	for _, c := range rep.ColdStart {
		if c.Cache && c.Runtime == host.CancelAtClock.String() && c.Total > 0 {
			notes = append(notes, fmt.Sprintf("Cold start with the cache: %s ms to a ready instance, then %s ms to load "+
				"the %s model file (%s of the total).", fmtFloat(c.Compile+c.Instantiate), fmtFloat(c.LoadModel),
				byteSize(int64(rep.Setup.FileBytes)), strconv.FormatFloat(100*c.LoadModel/c.Total, 'f', 0, 64)+"%"))
		}
	}
	mismatch := 0
	for _, r := range rep.Rank {
		if r.Runner != runnerNative && !r.SameOrder {
			mismatch++
		}
	}
	if mismatch == 0 {
		notes = append(notes, "Every wasm call ordered the candidates exactly as the native ranker did in the same mode.")
	} else {
		notes = append(notes, fmt.Sprintf("%d wasm rows ordered the candidates differently from the native ranker "+
			"(float summation order in the ESU can swap near-ties).", mismatch))
	}
	if !p.Judge {
		notes = append(notes, "--quick sizes and model: the targets speak of L = 10,000 and C = 100 with the default model, so they are not judged.")
	}
	return notes
}

// thousands formats n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// writeBenchMarkdown writes the report as a Markdown page whose tables are padded, so that it
// reads as well in a terminal as rendered.
func writeBenchMarkdown(w io.Writer, rep *benchReport) error {
	var b strings.Builder
	p := rep.Plan
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Produced by `%s` on %s, in %.0f s; the same command regenerates it, and `--json` prints "+
		"every figure.\n\n", rep.Command, rep.Date, rep.Seconds)
	m := rep.Machine
	fmt.Fprintf(&b, "**Machine.** %s/%s, %s, %d CPUs, %s", m.GOOS, m.GOARCH, cmp.Or(m.CPU, "unknown CPU"), m.CPUs, m.GoVersion)
	if m.LoadAvg != "" {
		fmt.Fprintf(&b, "; load average %s at the start", m.LoadAvg)
	}
	b.WriteString(". The machine is shared and noisy: every figure is a median (or p90) over repetitions, and " +
		"the runners of one call are timed in turn, round robin, so that a ratio's two sides share the noise. " +
		"Ratios are taken within this run.\n\n")

	b.WriteString("## Targets\n\n")
	t := mdTable{head: []string{"target", "goal", "measured", "verdict"}, right: []bool{false, false, true, false}}
	for _, tg := range rep.Targets {
		verdict := "not judged (--quick)"
		if tg.Judged && tg.Met {
			verdict = "**met**"
		} else if tg.Judged {
			verdict = "**missed**"
		}
		measured := fmtFloat(tg.Measured) + tg.Unit
		if tg.Unit == "ms" {
			measured = fmtFloat(tg.Measured) + " ms"
		}
		t.add(tg.Name, tg.Target, measured, verdict)
	}
	t.write(&b)

	s := rep.Setup
	b.WriteString("## Setup\n\n")
	fmt.Fprintf(&b, "- Model: %s; %s parameters, a %s model file.\n", s.Model, thousands(s.Params), byteSize(int64(s.FileBytes)))
	fmt.Fprintf(&b, "- Codec: %s; %d coarse codes per event, %d bytes per stored event.\n", s.Codec, s.CodesPerEvent, s.BytesPerEvent)
	fmt.Fprintf(&b, "- Events: %s.\n", s.Events)
	fmt.Fprintf(&b, "- Rank options: %s.\n", s.Options)
	b.WriteString("- wasm: package host over wazero's compiler, one warm instance per module and length holding the " +
		"model and the events. Runtimes are the host's default, `host.CancelAtClock` (a cancelled context stops a " +
		"call at the module's next clock read; each read polls the context), except the rows \"" + runnerAnywhere +
		"\" (`host.CancelAnywhere`: a check in every loop of the compiled code) and \"" + runnerBetweenCalls +
		"\" (`host.CancelBetweenCalls`: calls run to completion). Calls run under the command's context, " +
		"which an interrupt cancels, so that the clock has a context to poll. A call's time is " +
		"`host.Ranker.Rank` as its caller sees it (request encoding, the call, reply decoding); \"in module\" is " +
		"the module's own timing of the ranking. Native: `core/retrieval.Ranker` on a store of the same events, " +
		"in this process; the SIMD128 kernels exist for wasm only, so native Go runs the portable ones.\n")
	fmt.Fprintf(&b, "- Modules: %s.\n", rep.Setup.Modules)
	fmt.Fprintf(&b, "- Repetitions: %d warm-up call(s) per runner, then %d to %d rounds, fitted to about %s s per call.\n\n",
		p.Warmup, p.MinReps, p.MaxReps, fmtFloat(p.CellBudget))

	b.WriteString("## Rank latency, wasm SIMD128, warm instance\n\n")
	b.WriteString("Milliseconds. Stages are the module's own timings (medians): lookup tables, the 4-bit scan of every " +
		"event, top-K and refine, ESU and MLP.\n\n")
	t = mdTable{head: []string{"L", "C", "median", "p90", "in module", "LUT", "scan", "top-K + refine", "ESU + MLP",
		"native median", "wasm ÷ native"}, right: allRight(11)}
	for _, r := range rep.Rank {
		if r.Runner != runnerSIMD || r.Mode != modePQ {
			continue
		}
		nat, ok := findRow(rep.Rank, runnerNative, modePQ, r.L, r.C)
		natMedian, ratio := "", ""
		if ok && nat.Median > 0 {
			natMedian, ratio = fmtFloat(nat.Median), fmtFloat(r.Median/nat.Median)
		}
		in := r.Inside
		t.add(thousands(r.L), strconv.Itoa(r.C), fmtFloat(r.Median), fmtFloat(r.P90), fmtFloat(in.Total/1e3),
			fmtFloat(in.LUT/1e3), fmtFloat(in.Scan/1e3), fmtFloat(in.TopK/1e3), fmtFloat(in.ESU/1e3), natMedian, ratio)
	}
	t.write(&b)

	fmt.Fprintf(&b, "## Every runner at L = %s\n\n", thousands(p.FocusL))
	b.WriteString("Milliseconds; \"in ranker\" is the module's timing of the ranking (wasm) or core/retrieval's (native). " +
		"Retrieval modes are those of the setup above.\n\n")
	t = mdTable{head: []string{"C", "runner", "retrieval", "median", "p90", "in ranker", "rounds"},
		right: []bool{true, false, false, true, true, true, true}}
	for _, r := range rep.Rank {
		if r.L == p.FocusL {
			t.add(strconv.Itoa(r.C), r.Runner, r.Mode, fmtFloat(r.Median), fmtFloat(r.P90), fmtFloat(r.Inside.Total/1e3),
				strconv.Itoa(r.Reps))
		}
	}
	t.write(&b)

	b.WriteString("## Ratios\n\n")
	b.WriteString("Of medians of whole calls, taken on the same calls in this run.\n\n")
	t = mdTable{head: []string{"ratio", "L", "C", "value"}, right: []bool{false, true, true, true}}
	for _, r := range rep.Ratios {
		t.add(r.Name, thousands(r.L), strconv.Itoa(r.C), fmtFloat(r.Value)+"×")
	}
	t.write(&b)

	b.WriteString("## Cold start\n\n")
	b.WriteString("A fresh wazero runtime up to a loaded model, SIMD128 module, milliseconds (medians). \"compile\" is " +
		"`host.NewRuntime`: compiling the module, or reading its machine code from the cache directory (a temporary " +
		"one that an earlier runtime filled) and validating it, and instantiating a probe that checks the ABI " +
		"version; then `Runtime.NewInstance`, which hands out the probe, and `Ranker.LoadModel`.\n\n")
	t = mdTable{head: []string{"compilation cache", "runtime", "runs", "compile", "instantiate", "load model", "total"},
		right: []bool{false, false, true, true, true, true, true}}
	for _, c := range rep.ColdStart {
		cache, runtime := "none", c.Runtime
		if c.Cache {
			cache = "filled"
		}
		if c.Runtime == host.CancelAtClock.String() {
			runtime += " (host default)"
		}
		t.add(cache, runtime, strconv.Itoa(c.Reps), fmtFloat(c.Compile), fmtFloat(c.Instantiate), fmtFloat(c.LoadModel),
			fmtFloat(c.Total))
	}
	t.write(&b)

	b.WriteString("## Instance memory\n\n")
	b.WriteString("The SIMD128 instance's linear memory (`host.Instance.MemorySize`): after loading the model, after loading the L events (codes only), and after " +
		"the rank calls above; the last column is the size of the events' codes. Linear memory only grows, and " +
		"the Go heap inside reuses freed space (such as the model file's input buffer), which is why loading the " +
		"events may leave it as it was.\n\n")
	t = mdTable{head: []string{"L", "after model", "after events", "after ranking", "events' codes"}, right: allRight(5)}
	for _, r := range rep.Memory {
		t.add(thousands(r.L), byteSize(int64(r.Model)), byteSize(int64(r.Events)), byteSize(int64(r.AfterRanks)),
			byteSize(int64(r.L*s.BytesPerEvent)))
	}
	t.write(&b)

	b.WriteString("## Module sizes\n\n")
	t = mdTable{head: []string{"module", "raw", "gzip -9"}, right: []bool{false, true, true}}
	for _, r := range rep.Modules {
		t.add(r.Name, byteSize(int64(r.Raw))+" ("+thousands(r.Raw)+" B)", byteSize(int64(r.Gzip))+" ("+thousands(r.Gzip)+" B)")
	}
	t.write(&b)

	if len(rep.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range rep.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdTable is a Markdown table whose columns are padded to their widest cell.
type mdTable struct {
	head  []string
	right []bool // right-aligned columns
	rows  [][]string
}

func (t *mdTable) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *mdTable) write(b *strings.Builder) {
	widths := make([]int, len(t.head))
	for _, row := range append([][]string{t.head}, t.rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c), 3)
		}
	}
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		b.WriteString("\n")
	}
	line(t.head)
	b.WriteString("|")
	for i, w := range widths {
		if t.right[i] {
			b.WriteString(" " + strings.Repeat("-", w-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", w) + " |")
		}
	}
	b.WriteString("\n")
	for _, row := range t.rows {
		line(row)
	}
	b.WriteString("\n")
}

func allRight(n int) []bool {
	r := make([]bool, n)
	for i := range r {
		r[i] = true
	}
	return r
}

// fmtFloat prints x with three significant digits, or as an integer from 1000 up.
func fmtFloat(x float64) string {
	switch a := max(x, -x); {
	case a >= 1000:
		return thousands(int(x + 0.5))
	case a >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}
