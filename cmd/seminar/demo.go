package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
	"github.com/seminar-ranker/seminar/host"
)

// demoCodec is the codec the demo trains: the compact 4-bit layout that "seminar quantize" trains
// by default.
func demoCodec(seed uint64) codecFlags {
	return codecFlags{layout: "two-stage", bits: 4, fine: -1, maxEvents: 200_000, seed: seed}
}

type demoFlags struct {
	dataDir    string
	generated  bool
	cacheDir   string
	retrain    bool
	user       string
	candidates int
	evalUsers  int
	seed       uint64
	modules    string
	quiet      bool
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
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
		RunE:    func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "", "folder holding the public datasets (default: ../shared/data beside the repository)")
	fl.BoolVar(&f.generated, "generated", false, "use generated data even when MovieLens-100K is present")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where the trained model and the compiled module are cached (default: $XDG_CACHE_HOME/seminar)")
	fl.BoolVar(&f.retrain, "retrain", false, "train again even when a cached model exists")
	fl.StringVar(&f.user, "user", "", "id of the user to rank for (default: the user with the longest history)")
	fl.IntVar(&f.candidates, "candidates", 30, "candidates to rerank, the held-out item included (2 to 200)")
	fl.IntVar(&f.evalUsers, "eval-users", 200, "users over whom the held-out item's rank is summarised (0: none)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of training, the codec and the candidates")
	fl.StringVar(&f.modules, "modules", "", "folder holding seminar.wasm and seminar-scalar.wasm (default: the modules built into this binary)")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	return cmd
}

// demoModel is a trained ranking model with its codec, as the module loads it.
type demoModel struct {
	file    []byte
	model   *model.Model
	codec   *retrieval.Codec
	path    string
	cached  bool
	meta    train.Meta
	seconds float64 // training, codec included, when trained in this run
}

func runDemo(cmd *cobra.Command, f demoFlags) error {
	if f.candidates < 2 || f.candidates > 200 {
		return fmt.Errorf("--candidates %d: want 2 to 200", f.candidates)
	}
	ctx := cmd.Context()
	out, log := cmd.OutOrStdout(), cmd.ErrOrStderr()
	spec, dataNote, err := demoSpec(f)
	if err != nil {
		return err
	}
	cacheDir, err := demoCacheDir(f.cacheDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "SEMINAR demo: rerank a user's candidates on-device, through the WebAssembly module in wazero\n\n")
	fmt.Fprintf(out, "data    %s\n        %s\n", dataNote, spec.Task.Describe())
	dm, err := demoTrainedModel(ctx, spec, f, cacheDir, log)
	if err != nil {
		return err
	}
	dm.describe(out)

	cs, err := demoCase(spec.Task, f.user)
	if err != nil {
		return err
	}
	cands, err := demoCandidates(spec.Task.Dataset, cs, f.candidates, f.seed)
	if err != nil {
		return err
	}
	w, err := newDemoWasm(ctx, f.modules, filepath.Join(cacheDir, "wazero"), dm.file)
	if err != nil {
		return err
	}
	defer w.close(ctx)
	fmt.Fprintf(out, "module  %s: runtime ready in %s (compiled machine code cached in %s),\n", w.name, fmtDur(w.compile),
		w.cacheDir)
	fmt.Fprintf(out, "        instance up in %s, model loaded in %s\n\n", fmtDur(w.instantiate), fmtDur(w.loadModel))

	opts := defaultRankOptions(dm.model.Config().TopK, dm.codec.Bits())
	run, err := w.rankCase(ctx, spec.Task.Dataset, cs, cands, opts)
	if err != nil {
		return err
	}
	if err := run.write(out, spec.Task, cs, cands); err != nil {
		return err
	}
	if f.evalUsers > 0 {
		sum, err := demoSummary(ctx, w.ranker, spec.Task, f, opts)
		if err != nil {
			return err
		}
		sum.write(out, f.candidates)
	}
	return nil
}

func (dm *demoModel) describe(out io.Writer) {
	cfg := dm.model.Config()
	if dm.cached {
		fmt.Fprintf(out, "model   loaded %s\n", dm.path)
		fmt.Fprintf(out, "        (trained earlier: %d ranking steps; --retrain trains again)\n", dm.meta.Report.Steps)
	} else {
		fmt.Fprintf(out, "model   trained in %.0f s (PSU pretraining, ranking finetune, codec), cached at %s\n", dm.seconds, dm.path)
	}
	fmt.Fprintf(out, "        d=%d, %d heads, K=%d; %d-bit PQ codec: %d codes, %d bytes per stored event\n",
		cfg.Dim, cfg.Heads, cfg.TopK, dm.codec.Bits(), dm.codec.CodesPerEvent(),
		retrieval.NewStore(dm.codec, retrieval.StoreOptions{}).BytesPerEvent())
}

// demoRun is one user's ranking through the module and what it took.
type demoRun struct {
	reply      host.RankReply
	loadEvents time.Duration
	first      time.Duration // the first rank call, which sizes the module's buffers
	warm       time.Duration // the median of the next few
}

// rankCase loads the case's history into the instance and ranks the candidates.
func (w *demoWasm) rankCase(ctx context.Context, d *data.Dataset, cs eval.Case, cands []int32, opts host.RankOptions) (*demoRun, error) {
	run := &demoRun{}
	start := time.Now()
	if _, err := w.ranker.LoadEvents(ctx, hostEvents(d, cs.History), host.StoreOptions{}); err != nil {
		return nil, err
	}
	run.loadEvents = time.Since(start)
	req := host.RankRequest{Query: cs.Target.Query, Options: opts}
	for _, i := range cands {
		req.Candidates = append(req.Candidates, d.Items[i])
	}
	times := make([]float64, 6)
	for i := range times {
		start := time.Now()
		reply, err := w.ranker.Rank(ctx, &req)
		if err != nil {
			return nil, err
		}
		times[i] = float64(time.Since(start))
		if i == 0 {
			run.reply = reply
		}
	}
	run.first, run.warm = time.Duration(times[0]), time.Duration(quantile(times[1:], 0.5))
	return run, nil
}

// write prints the user, the two rankings and the timings.
func (run *demoRun) write(out io.Writer, task *eval.Task, cs eval.Case, cands []int32) error {
	d := task.Dataset
	target := cs.Target.Item
	fmt.Fprintf(out, "user    %s: %d events; the history is all but the last (%s to %s)\n", d.Users[cs.User].ID,
		len(cs.History)+1, fmtDate(cs.History[0].Time), fmtDate(cs.History[len(cs.History)-1].Time))
	var recent []string
	for _, e := range slices.Backward(cs.History[max(0, len(cs.History)-4):]) {
		recent = append(recent, quoteTitle(d.Items[e.Item].Text, 32))
	}
	fmt.Fprintf(out, "        latest: %s\n", strings.Join(recent, ", "))
	fmt.Fprintf(out, "held out %s, %s\n", quoteTitle(d.Items[target].Text, 48), fmtDate(cs.Target.Time))
	if cs.Target.Kind == data.Search {
		fmt.Fprintf(out, "query   %q (%s)\n", cs.Target.Query, queryNote(d))
	}
	fmt.Fprintf(out, "candidates %d: the held-out item and %d sampled among those the user never interacted with\n\n",
		len(cands), len(cands)-1)

	pop := popularity(task.Train, len(d.Items))
	before := slices.Clone(cands)
	slices.SortStableFunc(before, func(a, b int32) int { return cmp.Compare(pop[b], pop[a]) })
	after := make([]int32, len(run.reply.Order))
	for r, i := range run.reply.Order {
		after[r] = cands[i]
	}
	if err := writeBeforeAfter(out, d, before, after, pop, run.reply, cands, target); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nheld-out %s: #%d of %d by popularity → #%d by SEMINAR\n", quoteTitle(d.Items[target].Text, 48),
		slices.Index(before, target)+1, len(cands), slices.Index(after, target)+1)
	t := run.reply.Timings
	fmt.Fprintf(out, "timings load %d events %s · rank %d candidates %s (first call), %s warm\n", len(cs.History),
		fmtDur(run.loadEvents), len(cands), fmtDur(run.first), fmtDur(run.warm))
	_, err := fmt.Fprintf(out, "        inside the module: tables %s · 4-bit scan %s · top-K + refine %s · ESU + MLP %s\n",
		fmtMicros(t.LUT), fmtMicros(t.Scan), fmtMicros(t.TopK), fmtMicros(t.ESU))
	return err
}

// demoSpec picks the dataset: MovieLens-100K with a training budget of about a minute, or the
// generated one when --generated asks for it or the public data is not in its default place.
func demoSpec(f demoFlags) (*suite.Spec, string, error) {
	if !f.generated {
		dir, err := movieLensDir(f.dataDir)
		if err != nil {
			return nil, "", err
		}
		if dir != "" {
			spec, err := suite.LoadSpec("ml-100k", f.dataDir, suite.Full)
			if err != nil {
				return nil, "", err
			}
			spec.Pretrain.Epochs, spec.Pretrain.EpochFraction = 1, 0.2
			spec.Finetune.Epochs, spec.Finetune.EpochFraction = 2, 0.2
			return spec, "MovieLens-100K from " + dir, nil
		}
	}
	spec, err := suite.LoadSpec("synth", "", suite.Full)
	if err != nil {
		return nil, "", err
	}
	note := "generated data (core/data/synth)"
	if !f.generated {
		note += ": MovieLens-100K is not in ../shared/data"
	}
	return spec, note, nil
}

// movieLensDir returns MovieLens-100K's folder under dataDir, which must exist, or under the
// default data folder; "" when the default has none.
func movieLensDir(dataDir string) (string, error) {
	src, err := convert.Lookup("ml-100k")
	if err != nil {
		return "", err
	}
	if dataDir != "" {
		dir := filepath.Join(dataDir, src.Dir)
		if _, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("--data-dir: %w", err)
		}
		return dir, nil
	}
	dir, err := src.DefaultDir()
	if err != nil {
		return "", nil
	}
	return dir, nil
}

// demoCacheDir is where the demo keeps its model and the compiled module.
func demoCacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (%w): pass --cache-dir", err)
	}
	return filepath.Join(base, "seminar"), nil
}

// demoTrainedModel loads the cached model of the spec and seed, or trains one and caches it.
func demoTrainedModel(ctx context.Context, spec *suite.Spec, f demoFlags, cacheDir string, log io.Writer) (*demoModel, error) {
	recipe, err := demoRecipe(spec, f.seed)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(cacheDir, "demo-"+spec.Key+"-"+recipe+".model")
	if !f.retrain {
		if b, err := os.ReadFile(path); err == nil {
			dm, err := parseDemoModel(b)
			if err == nil {
				dm.path, dm.cached = path, true
				return dm, nil
			}
			fmt.Fprintf(log, "demo: %s: %v; training again\n", path, err)
		}
	}
	start := time.Now()
	progress := log
	if f.quiet {
		progress = io.Discard
	}
	b, err := trainDemoModel(ctx, spec, f.seed, newBars(log, f.quiet), progress)
	if err != nil {
		return nil, err
	}
	dm, err := parseDemoModel(b)
	if err != nil {
		return nil, err
	}
	dm.path, dm.seconds = path, time.Since(start).Seconds()
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, err
	}
	// Models of earlier recipes will not be read again.
	stale, err := filepath.Glob(filepath.Join(cacheDir, "demo-"+spec.Key+"-*.model"))
	for _, p := range stale {
		if p != path {
			err = errors.Join(err, os.Remove(p))
		}
	}
	return dm, err
}

// demoRecipe names everything a trained model depends on, the training settings, the codec and
// the seed, by a hash: a cached model of other settings is never taken for this one.
func demoRecipe(spec *suite.Spec, seed uint64) (string, error) {
	b, err := json.Marshal(struct {
		Spec  *suite.Spec
		Codec string
		Seed  uint64
	}{spec, fmt.Sprintf("%+v", demoCodec(seed)), seed})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6]), nil
}

// trainDemoModel pretrains the PSU of a new model, finetunes it as SEMINAR's ranker and adds a
// 4-bit codec trained on the training events, and returns the model file.
func trainDemoModel(ctx context.Context, spec *suite.Spec, seed uint64, bars *bars, log io.Writer) ([]byte, error) {
	defer bars.finish()
	cfg := spec.Model
	cfg.Seed = seed
	m, err := model.New(cfg)
	if err != nil {
		return nil, err
	}
	d := spec.Task.Dataset
	corpus := &train.Corpus{Items: d.Items, Sequences: spec.Task.Train}
	progress := func(stage string) train.Hooks {
		return train.Hooks{Step: func(st train.Step) {
			bars.update(suite.Progress{Stage: stage, Unit: "steps", Done: st.Step, Total: st.Steps, Loss: st.Loss})
		}}
	}
	pre := spec.Pretrain
	pre.Seed = seed
	if _, err := train.Pretrain(ctx, m, corpus, pre, progress("PSU pretraining")); err != nil {
		return nil, err
	}
	fine := spec.Finetune
	strategy := baseline.Strategy{Kind: baseline.GSU}
	fine.Seed, fine.Strategy = seed, strategy
	rep, err := train.Finetune(ctx, m, corpus, fine, progress("ranking finetune"))
	if err != nil {
		return nil, err
	}
	bars.finish()

	var events []retrieval.Event
	for _, seq := range spec.Task.Train {
		for _, e := range seq {
			events = append(events, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &d.Items[e.Item]})
		}
	}
	fmt.Fprintf(log, "4-bit PQ codec: k-means over %d events\n", len(events))
	cf := demoCodec(seed)
	codec, err := cf.train(ctx, m, events)
	if err != nil {
		return nil, err
	}
	var ckpt bytes.Buffer
	meta := train.Meta{Kind: train.KindRanker, Model: "seminar", Strategy: &strategy, Dataset: spec.Key, Seed: seed, Report: rep}
	if err := train.Save(&ckpt, m, meta); err != nil {
		return nil, err
	}
	_, extras, err := modelfile.Load(ckpt.Bytes())
	if err != nil {
		return nil, err
	}
	if extras[retrieval.Section], err = codec.MarshalBinary(); err != nil {
		return nil, err
	}
	var file bytes.Buffer
	if err := modelfile.Save(&file, m, extras); err != nil {
		return nil, err
	}
	return file.Bytes(), nil
}

func parseDemoModel(b []byte) (*demoModel, error) {
	m, meta, err := train.Load(b)
	if err != nil {
		return nil, err
	}
	_, extras, err := modelfile.Load(b)
	if err != nil {
		return nil, err
	}
	sec, ok := extras[retrieval.Section]
	if !ok {
		return nil, errors.New("the model file has no codec")
	}
	codec, err := retrieval.LoadCodec(m, sec)
	if err != nil {
		return nil, err
	}
	return &demoModel{file: b, model: m, codec: codec, meta: meta}, nil
}

// demoCase returns the test case of the user with the given id, or of the user with the longest
// history.
func demoCase(task *eval.Task, userID string) (eval.Case, error) {
	if len(task.Test) == 0 {
		return eval.Case{}, errors.New("the dataset has no user to rank for")
	}
	best := task.Test[0]
	for _, c := range task.Test {
		if userID != "" && task.Dataset.Users[c.User].ID == userID {
			return c, nil
		}
		if len(c.History) > len(best.History) {
			best = c
		}
	}
	if userID != "" {
		return eval.Case{}, fmt.Errorf("no user %q with enough events to hold one out", userID)
	}
	return best, nil
}

// demoCandidates returns the case's held-out item and n−1 items its user never interacted with,
// in an order drawn from the seed: the module breaks ties by position, so the held-out item
// must not always come first.
func demoCandidates(d *data.Dataset, c eval.Case, n int, seed uint64) ([]int32, error) {
	cands, err := eval.SampleCandidates(d, "test", []eval.Case{c}, n-1, seed)
	if err != nil {
		return nil, err
	}
	items := append([]int32{cands.Cases[0].Positive}, cands.Cases[0].Negatives...)
	rng := rand.New(rand.NewPCG(seed, uint64(c.User)))
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	return items, nil
}

// popularity counts each item's events in the training sequences.
func popularity(seqs [][]data.Event, items int) []int {
	pop := make([]int, items)
	for _, seq := range seqs {
		for _, e := range seq {
			pop[e.Item]++
		}
	}
	return pop
}

func hostEvents(d *data.Dataset, events []data.Event) []host.Event {
	out := make([]host.Event, len(events))
	for j, e := range events {
		out[j] = host.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: d.Items[e.Item]}
	}
	return out
}

// demoWasm is the module, compiled and instantiated, with the demo's model loaded.
type demoWasm struct {
	rt          *host.Runtime
	ranker      *host.Ranker
	name        string
	cacheDir    string
	compile     time.Duration
	instantiate time.Duration
	loadModel   time.Duration
}

func newDemoWasm(ctx context.Context, modulesDir, cacheDir string, file []byte) (*demoWasm, error) {
	mods, err := benchModules(modulesDir)
	if err != nil {
		return nil, err
	}
	w := &demoWasm{cacheDir: cacheDir}
	start := time.Now()
	if w.rt, err = host.NewRuntime(ctx, mods, host.Options{CacheDir: cacheDir}); err != nil {
		return nil, err
	}
	w.compile = time.Since(start)
	w.name = "SIMD128 module"
	if !w.rt.Features().SIMD() {
		w.name = "scalar module (SIMD128 unavailable: " + w.rt.Fallback().Error() + ")"
	}
	start = time.Now()
	inst, err := w.rt.NewInstance(ctx)
	if err != nil {
		return nil, errors.Join(err, w.rt.Close(ctx))
	}
	w.instantiate = time.Since(start)
	w.ranker = host.NewRanker(inst)
	start = time.Now()
	if _, err := w.ranker.LoadModel(ctx, file); err != nil {
		return nil, errors.Join(err, w.rt.Close(ctx))
	}
	w.loadModel = time.Since(start)
	return w, nil
}

func (w *demoWasm) close(ctx context.Context) error { return w.rt.Close(ctx) }

// writeBeforeAfter prints the two rankings side by side, the held-out item marked.
func writeBeforeAfter(w io.Writer, d *data.Dataset, before, after []int32, pop []int, reply host.RankReply, cands []int32, target int32) error {
	const titleWidth = 30
	score := make(map[int32]float32, len(cands))
	for i, it := range cands {
		score[it] = reply.Scores[i]
	}
	entry := func(r int, it int32, value string) []string {
		mark := ""
		if it == target {
			mark = "▶ "
		}
		return []string{mark + strconv.Itoa(r+1), clip(d.Items[it].Text, titleWidth), value}
	}
	rows := [][]string{{"#", "title", "events", "#", "title", "score"}}
	for r := range before {
		rows = append(rows, append(entry(r, before[r], strconv.Itoa(pop[before[r]])),
			entry(r, after[r], strconv.FormatFloat(float64(score[after[r]]), 'f', 3, 32))...))
	}
	return writeColumns(w, [2]string{"BEFORE: by popularity", "AFTER: SEMINAR, in the wasm module"}, rows,
		[]bool{true, false, true, true, false, true}, 3)
}

// writeColumns prints rows as aligned columns, two spaces apart and wider apart before column
// split, under a title for each side.
func writeColumns(w io.Writer, titles [2]string, rows [][]string, right []bool, split int) error {
	const indent, gap, wideGap = "  ", "  ", "      "
	widths := make([]int, len(right))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	left := 0
	for i := range split {
		left += widths[i] + len(gap)
	}
	var b strings.Builder
	b.WriteString(indent + titles[0] + strings.Repeat(" ", max(0, left-len(gap)-utf8.RuneCountInString(titles[0]))) +
		wideGap + titles[1] + "\n")
	for _, row := range rows {
		var line strings.Builder
		line.WriteString(indent)
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
			if i == split-1 {
				line.WriteString(wideGap)
			} else {
				line.WriteString(gap)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// demoSummary is the held-out item's rank over many users: by the module with the target's query,
// by the module without it (a feed: browse, no query), and by popularity.
type demoSummaryResult struct {
	users         int
	hits, ranks   [3]float64 // top-10 share and mean rank: with the query, without, popularity
	searchTargets bool       // whether any target had a query
}

func demoSummary(ctx context.Context, r *host.Ranker, task *eval.Task, f demoFlags, opts host.RankOptions) (demoSummaryResult, error) {
	d := task.Dataset
	pop := popularity(task.Train, len(d.Items))
	var s demoSummaryResult
	for _, c := range task.Test[:min(f.evalUsers, len(task.Test))] {
		cands, err := demoCandidates(d, c, f.candidates, f.seed)
		if err != nil {
			return s, err
		}
		if _, err := r.LoadEvents(ctx, hostEvents(d, c.History), host.StoreOptions{}); err != nil {
			return s, err
		}
		pos := slices.Index(cands, c.Target.Item)
		var ranks [3]int
		for k, search := range []bool{true, false} {
			req := host.RankRequest{Options: opts}
			if search {
				req.Query = c.Target.Query
			}
			for _, i := range cands {
				req.Candidates = append(req.Candidates, d.Items[i])
			}
			reply, err := r.Rank(ctx, &req)
			if err != nil {
				return s, err
			}
			ranks[k] = slices.Index(reply.Order, int32(pos)) + 1
		}
		// By popularity, ties broken by candidate order as the module breaks them.
		ranks[2] = 1
		for i, it := range cands {
			if pop[it] > pop[c.Target.Item] || (pop[it] == pop[c.Target.Item] && i < pos) {
				ranks[2]++
			}
		}
		s.users++
		s.searchTargets = s.searchTargets || c.Target.Kind == data.Search
		for k, rank := range ranks {
			s.ranks[k] += float64(rank)
			if rank <= 10 {
				s.hits[k]++
			}
		}
	}
	for k := range s.hits {
		s.hits[k] /= float64(max(s.users, 1))
		s.ranks[k] /= float64(max(s.users, 1))
	}
	return s, nil
}

func (s demoSummaryResult) write(out io.Writer, candidates int) {
	fmt.Fprintf(out, "\nthe first %d users, each ranking its own held-out item among %d candidates "+
		"(held-out item in the top 10 · its mean rank):\n", s.users, candidates)
	rows := [][]string{{"SEMINAR, wasm, without a query (a feed)", fmtShare(s.hits[1]), fmtFloat(s.ranks[1])},
		{"by popularity", fmtShare(s.hits[2]), fmtFloat(s.ranks[2])}}
	if s.searchTargets {
		rows = slices.Insert(rows, 0, []string{"SEMINAR, wasm, with the query", fmtShare(s.hits[0]), fmtFloat(s.ranks[0])})
	}
	for _, r := range rows {
		fmt.Fprintf(out, "        %-40s %5s · %5s\n", r[0], r[1], r[2])
	}
}

func queryNote(d *data.Dataset) string {
	if strings.Contains(d.Note, "synthesised") {
		return "MovieLens has no queries: each event's query is its movie's genres, as in the evaluation"
	}
	return "the held-out event's query"
}

func fmtShare(x float64) string { return strconv.FormatFloat(100*x, 'f', 0, 64) + "%" }

func quoteTitle(s string, width int) string { return "\"" + clip(s, width) + "\"" }

// clip shortens s to at most width runes, marking a cut with an ellipsis.
func clip(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:width-1])) + "…"
}

func fmtDate(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02") }

func fmtDur(d time.Duration) string { return fmtFloat(ms(d)) + " ms" }

func fmtMicros(us float64) string { return fmtFloat(us/1e3) + " ms" }
