package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
)

// The study's fixed choices.
const (
	studySeed        = 1
	synthUsers       = 100 // evaluated users of the generated ranking set
	synthTrainUsers  = 10  // further users whose events train the generated set's codebooks
	recallTargets    = 20  // candidates per ml-100k user whose retrieval is compared
	shortlistFactor  = 4   // refine shortlists hold this many times K events
	section8         = retrieval.Section + "8"
	wasmMemoryPages  = 65536
	minBatchDuration = 10 * time.Millisecond
	timingRounds     = 15

	// synthEpochTargets is about how many targets an epoch of the generated model's training
	// holds: as many as an epoch of seminar demo's MovieLens-100K model.
	synthEpochTargets = 20_000
)

// Long generated histories of one user, for recall and speed at fixed lengths.
var studyLengths = []int{10_000, 100_000}

type studyFlags struct {
	model, synthModel string
	train             bool // train the missing --model and --synth-model files
	random            bool // measure random models beside the trained ones
	mlDir             string
	kernels           string
	reference         string
	markdown          string // Markdown file whose marked region receives the report
	targets           int
	workers           int
	skipWasm          bool
	asJSON            bool
	quiet             bool
}

// studyReport is everything the study measures; --json prints it as is.
type studyReport struct {
	Command string       `json:"command"`
	Setup   []studySetup `json:"setup"`
	Bytes   []bytesRow   `json:"bytes_per_event"`
	Recall  []recallRow  `json:"recall"`
	Layouts []layoutRow  `json:"layouts"`
	// Primary is the kind of model (trained or random) the layouts, bytes and speeds are measured
	// with: the first of the generated data's models.
	Primary string        `json:"layouts_bytes_speed_model"`
	Ranking []rankingRow  `json:"ranking"`
	Speed   []speedRow    `json:"speed"`
	Kernels []kernelRow   `json:"kernels"`
	Targets []studyTarget `json:"targets"`
	Seconds float64       `json:"seconds"`
	Machine studyMachine  `json:"machine"`
}

type studyMachine struct {
	GOOS               string `json:"goos"`
	GOARCH             string `json:"goarch"`
	CPUs               int    `json:"cpus"`
	GoVersion          string `json:"go_version"`
	FastScanSIMDNative bool   `json:"fastscan_simd_native"`
	// LoadStart and LoadEnd are the one-minute load averages when the study began and ended
	// (empty where the system does not say).
	LoadStart string `json:"load_average_start,omitempty"`
	LoadEnd   string `json:"load_average_end,omitempty"`
}

// loadAverage is the system's one-minute load average, or "" where /proc does not give it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

type studySetup struct {
	Dataset string `json:"dataset"`
	Kind    string `json:"model_kind"` // trained or random
	Model   string `json:"model"`
	Codec4  string `json:"codec_4bit"`
	Codec8  string `json:"codec_8bit"`
	Data    string `json:"data"`
}

type bytesRow struct {
	Store    string  `json:"store"`
	Bytes    float64 `json:"bytes_per_event"`
	Measured float64 `json:"serialized_per_event"` // whole binary form at L = 10^4, over L
}

type recallRow struct {
	Dataset    string  `json:"dataset"`
	Model      string  `json:"model"` // trained or random
	L          float64 `json:"mean_events"`
	Definition string  `json:"definition"`
	Variant    string  `json:"variant"`
	K          int     `json:"k"`
	Recall     float64 `json:"recall"`
	TieAware   float64 `json:"recall_tie_aware,omitempty"`
	Targets    int     `json:"targets"`
}

// layoutRow is one codec layout's size and recall@100 on the generated history of 10^4 events.
type layoutRow struct {
	Layout       string  `json:"layout"`
	Bytes        int     `json:"bytes_per_event"`
	Recall       float64 `json:"recall100"`
	RecallInt8   float64 `json:"recall100_int8_refine"`
	Weighted     float64 `json:"recall100_query_weight_2,omitempty"`
	WeightedInt8 float64 `json:"recall100_query_weight_2_int8_refine,omitempty"`
}

type rankingRow struct {
	Dataset  string  `json:"dataset"`
	Model    string  `json:"model"` // trained or random
	Variant  string  `json:"variant"`
	Cases    int     `json:"cases"`
	HIT10    float64 `json:"hit10"`
	NDCG10   float64 `json:"ndcg10"`
	MRR      float64 `json:"mrr"`
	DeltaRel float64 `json:"ndcg10_change_relative"` // (approx − exact) / exact
	// Top10 is the mean overlap of the candidates' top 10 with the exact ranking's.
	Top10 float64 `json:"top10_agreement"`
	// AbsLogitDiff is the mean absolute difference of a candidate's logit from the exact one.
	AbsLogitDiff float64 `json:"mean_abs_logit_difference"`
}

type speedRow struct {
	Where          string  `json:"where"` // native or wasm
	L              int     `json:"events"`
	Variant        string  `json:"variant"`
	Micros         float64 `json:"microseconds_per_target"`
	VsExactMerged  float64 `json:"speedup_vs_exact_merged"`
	VsExactPerHead float64 `json:"speedup_vs_exact_per_head"`
}

type kernelRow struct {
	L            int     `json:"events"`
	M            int     `json:"subquantizers"`
	Kernel       string  `json:"kernel"`
	Micros       float64 `json:"microseconds"`
	GLookups     float64 `json:"glookups_per_second"`
	VsReference  float64 `json:"vs_reference"`
	MatchesNaive bool    `json:"matches_naive_sums"`
}

type studyTarget struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

func newStudyCmd() *cobra.Command {
	var f studyFlags
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
			"file, between its lines " + markdownBegin + " and " + markdownEnd + ".",
		Example: "  seminar study\n  seminar study --model seminar-ml.model --json\n" +
			"  seminar study --train --random --model out/study-ml-100k.model --synth-model out/study-generated.model " +
			"--markdown docs/pq.md",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			rep, err := runStudy(cmd.Context(), f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			rep.Command = "seminar study " + strings.Join(os.Args[2:], " ")
			rep.Seconds = time.Since(start).Seconds()
			out := cmd.OutOrStdout()
			if f.asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			if f.markdown != "" {
				if err := writeMarkdownRegion(f.markdown, rep.markdown()); err != nil {
					return err
				}
				_, err = fmt.Fprintf(out, "wrote the report into %s\n", f.markdown)
				return err
			}
			_, err = io.WriteString(out, rep.text())
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model file for ml-100k (a \""+retrieval.Section+"\" section is used as its 4-bit codec); default: a random model")
	fl.StringVar(&f.synthModel, "synth-model", "", "model file for the generated data; default: a random model with one dense slot")
	fl.BoolVar(&f.train, "train", false, "train the --model and --synth-model files that do not exist, and write them there")
	fl.BoolVar(&f.random, "random", false, "also measure random models of the trained models' configurations (recall and ranking metrics)")
	fl.StringVar(&f.markdown, "markdown", "", "write the report into this Markdown file, between its marker lines, instead of printing it")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress bars while training")
	fl.StringVar(&f.mlDir, "ml-100k", "", "folder of the MovieLens 100K files (default: ../shared/data/ml-100k beside the repository)")
	fl.StringVar(&f.kernels, "kernels", "", "seminar-kernels.wasm to time (default: built from ./cmd/seminar-kernels into a temporary folder)")
	fl.StringVar(&f.reference, "reference", "", "reference kernels (default: ../shared/reference/fastscan_ref.wasm beside the repository)")
	fl.IntVar(&f.targets, "targets", 100, "targets per generated long history")
	fl.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "goroutines of the ranking evaluation")
	fl.BoolVar(&f.skipWasm, "skip-wasm", false, "skip the measurements inside wasm")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	return cmd
}

// studyData is one dataset with one of its models, that model's codecs and the evaluation cases.
type studyData struct {
	name       string
	kind       string // trained or random
	d          *data.Dataset
	full       *data.Dataset // d and the users whose events train the codecs
	trainUsers []int
	m          *model.Model
	items      []data.Item
	c4, c8     *retrieval.Codec
	cases      []eval.Case
	cands      *eval.Candidates
	stores4    map[int32]*retrieval.Store // per evaluated user: 4-bit codes and the int8 copy
	stores8    map[int32]*retrieval.Store
}

// studyLog writes the study's progress, each line with the seconds since the start.
type studyLog struct {
	w     io.Writer
	start time.Time
}

func (l *studyLog) printf(format string, args ...any) {
	fmt.Fprintf(l.w, "study: %4.0fs "+format+"\n", append([]any{time.Since(l.start).Seconds()}, args...)...)
}

// The kinds of model the study measures.
const (
	kindTrained = "trained"
	kindRandom  = "random"
)

func runStudy(ctx context.Context, f studyFlags, log io.Writer) (*studyReport, error) {
	rep := &studyReport{Machine: studyMachine{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		FastScanSIMDNative: fastscan.SIMD, LoadStart: loadAverage(),
	}}
	sl := &studyLog{w: log, start: time.Now()}
	logf := sl.printf

	logf("ml-100k: converting, encoding and training codebooks")
	ml, err := setupMovieLens(ctx, f, rep, sl)
	if err != nil {
		return nil, err
	}
	logf("generated data: encoding and training codebooks")
	sy, err := setupSynth(ctx, f, rep, sl)
	if err != nil {
		return nil, err
	}
	for _, sd := range slices.Concat(ml, sy) {
		logf("%s, %s model: ranking %d cases", sd.name, sd.kind, len(sd.cases))
		if err := rankingStudy(ctx, sd, f.workers, rep); err != nil {
			return nil, err
		}
	}
	for _, sd := range ml {
		logf("ml-100k, %s model: recall", sd.kind)
		if err := recallMovieLens(sd, rep); err != nil {
			return nil, err
		}
	}
	// The long histories of the first model are kept for the layouts, bytes and speed.
	rep.Primary = sy[0].kind
	long := make([]*longHistory, len(studyLengths))
	for _, sd := range sy {
		for i, n := range studyLengths {
			logf("generated history of %d events, %s model: encoding", n, sd.kind)
			lh, err := newLongHistory(sd, n, f.targets)
			if err != nil {
				return nil, err
			}
			logf("generated history of %d events, %s model: recall", n, sd.kind)
			if err := lh.recall(rep); err != nil {
				return nil, err
			}
			if sd == sy[0] {
				long[i] = lh
			}
		}
	}
	bytesStudy(long[0], rep)
	logf("codec layouts at %d events", long[0].h.Len())
	if err := long[0].layouts(ctx, rep); err != nil {
		return nil, err
	}
	for _, lh := range long {
		logf("native speed at %d events", lh.h.Len())
		if err := lh.nativeSpeed(rep); err != nil {
			return nil, err
		}
	}
	if !f.skipWasm {
		logf("wasm: building and loading the modules")
		if err := wasmStudy(ctx, f, sy[0], long, rep, logf); err != nil {
			return nil, err
		}
	}
	rep.Machine.LoadEnd = loadAverage()
	rep.judge()
	return rep, nil
}

// setupMovieLens converts ml-100k, loads or trains its model (and makes a random one beside it
// when asked), and trains (or loads) the codecs of each on the training sequences of the
// leave-one-out split.
func setupMovieLens(ctx context.Context, f studyFlags, rep *studyReport, log *studyLog) ([]*studyData, error) {
	dir := f.mlDir
	if dir == "" {
		src, err := convert.Lookup("ml-100k")
		if err != nil {
			return nil, err
		}
		if dir, err = src.DefaultDir(); err != nil {
			return nil, err
		}
	}
	d, err := convert.MovieLens100K(dir)
	if err != nil {
		return nil, err
	}
	task, err := eval.LeaveOneOut(d, data.MinSplitEvents)
	if err != nil {
		return nil, err
	}
	// Trained as seminar demo trains on MovieLens-100K, from the same files.
	spec := func() (*suite.Spec, error) {
		df := demoFlags{}
		if f.mlDir != "" {
			df.dataDir = filepath.Dir(filepath.Clean(f.mlDir))
		}
		s, _, err := demoSpec(df)
		if err != nil {
			return nil, err
		}
		if s.Key != "ml-100k" {
			return nil, fmt.Errorf("the demo's recipe found no MovieLens-100K but %s", s.Key)
		}
		return s, nil
	}
	models, err := studyModels(ctx, f, f.model, model.DefaultConfig(), spec, log)
	if err != nil {
		return nil, err
	}
	var sds []*studyData
	for _, sm := range models {
		sd := &studyData{name: "ml-100k", kind: sm.kind, d: d, m: sm.m, items: modelItems(d, sm.m), cases: task.Test}
		var train []retrieval.Event
		for _, seq := range task.Train {
			for _, e := range seq {
				train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &sd.items[e.Item]})
			}
		}
		setup := studySetup{Dataset: sd.name, Kind: sm.kind, Model: sm.desc, Data: fmt.Sprintf("%s; leave-one-out test "+
			"cases, %d negatives each (seed %d); codebooks trained on the %d training events", d.Note,
			candidateNegatives, candidateSeed, len(train))}
		if err := sd.codecs(ctx, train, sm.extras, &setup); err != nil {
			return nil, err
		}
		rep.Setup = append(rep.Setup, setup)
		if err := sd.prepare(); err != nil {
			return nil, err
		}
		sds = append(sds, sd)
	}
	return sds, nil
}

// setupSynth generates the ranking set (the default generator's catalogue, which the long
// histories of synth.LongUser share), loads or trains its model (and makes a random one beside
// it when asked), and trains the codecs of each on other users of the same catalogue.
func setupSynth(ctx context.Context, f studyFlags, rep *studyReport, log *studyLog) ([]*studyData, error) {
	c := synth.DefaultConfig()
	c.Users = synthUsers + synthTrainUsers
	d, err := synth.Generate(c)
	if err != nil {
		return nil, err
	}
	// The evaluated users alone, so that the other users' events never become candidates' history.
	evaluated := &data.Dataset{Name: d.Name, Note: d.Note, DenseNames: d.DenseNames, DenseDims: d.DenseDims,
		Items: d.Items, Users: d.Users[:synthUsers]}
	task, err := eval.LeaveOneOut(evaluated, data.MinSplitEvents)
	if err != nil {
		return nil, err
	}
	cfg := model.DefaultConfig()
	cfg.DenseDims = []int{c.DenseDim}
	spec := func() (*suite.Spec, error) { return synthTrainSpec(task, cfg) }
	models, err := studyModels(ctx, f, f.synthModel, cfg, spec, log)
	if err != nil {
		return nil, err
	}
	users := make([]int, synthTrainUsers)
	for i := range users {
		users[i] = synthUsers + i
	}
	var sds []*studyData
	for _, sm := range models {
		sd := &studyData{name: "generated", kind: sm.kind, d: evaluated, full: d, trainUsers: users, m: sm.m,
			items: modelItems(d, sm.m), cases: task.Test}
		train := make([]retrieval.Event, 0)
		for _, u := range users {
			for _, e := range d.Users[u].Events {
				train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &sd.items[e.Item]})
			}
		}
		setup := studySetup{Dataset: sd.name, Kind: sm.kind, Model: sm.desc, Data: fmt.Sprintf("synth.DefaultConfig "+
			"(seed %d, %d items, %d–%d events per user): %d users evaluated leave-one-out with %d negatives; "+
			"codebooks trained on the %d events of %d other users of the same catalogue; long histories are "+
			"synth.LongUser(%d, %d, L), over the same catalogue", c.Seed, c.Items, c.MinEvents, c.MaxEvents,
			synthUsers, candidateNegatives, len(train), synthTrainUsers, c.Seed, c.Items)}
		if err := sd.codecs(ctx, train, sm.extras, &setup); err != nil {
			return nil, err
		}
		rep.Setup = append(rep.Setup, setup)
		if err := sd.prepare(); err != nil {
			return nil, err
		}
		sds = append(sds, sd)
	}
	return sds, nil
}

// synthTrainSpec is how the generated data's model is trained: seminar demo's recipe for
// generated data (PSU pretraining, then the ranking finetune), on the training sequences of the
// study's evaluated users, for the study's model configuration, with epochs of about
// synthEpochTargets targets.
func synthTrainSpec(task *eval.Task, cfg model.Config) (*suite.Spec, error) {
	s, _, err := demoSpec(demoFlags{generated: true})
	if err != nil {
		return nil, err
	}
	events := 0
	for _, seq := range task.Train {
		events += len(seq)
	}
	fraction := min(1, float64(synthEpochTargets)/float64(max(1, events)))
	s.Key, s.Title, s.Notes, s.Methods = "generated", "Generated (synth.DefaultConfig)", nil, nil
	s.Task, s.Model = task, cfg
	s.Pretrain.Epochs, s.Pretrain.EpochFraction = 1, fraction
	s.Finetune.Epochs, s.Finetune.EpochFraction = 2, fraction
	return s, nil
}

// studyModel is one model a dataset is measured with.
type studyModel struct {
	m      *model.Model
	kind   string
	desc   string
	extras map[string][]byte
}

// studyModels returns the models of one dataset: the model file at path (trained first from
// spec, and written there, when it does not exist and f.train asks for it) and, with f.random,
// a random model of its configuration after it; or a random model of cfg when path is empty.
func studyModels(ctx context.Context, f studyFlags, path string, cfg model.Config, spec func() (*suite.Spec, error),
	log *studyLog) ([]studyModel, error) {
	if path == "" {
		m, err := randomModel(cfg)
		return []studyModel{m}, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && f.train {
		s, err := spec()
		if err != nil {
			return nil, fmt.Errorf("training %s: %w", path, err)
		}
		log.printf("training %s: %s (%s)", path, s.Title, s.Task.Describe())
		if err := trainStudyModel(ctx, s, path, f.quiet, log); err != nil {
			return nil, fmt.Errorf("training %s: %w", path, err)
		}
	}
	m, extras, err := readModel(path)
	if err != nil {
		return nil, err
	}
	models := []studyModel{{m: m, kind: kindTrained, desc: describeModelFile(path, m, extras), extras: extras}}
	if f.random {
		rm, err := randomModel(m.Config())
		if err != nil {
			return nil, err
		}
		models = append(models, rm)
	}
	return models, nil
}

// randomModel is a new model of cfg with the study's seed.
func randomModel(cfg model.Config) (studyModel, error) {
	cfg.Seed = studySeed
	m, err := model.New(cfg)
	if err != nil {
		return studyModel{}, err
	}
	return studyModel{m: m, kind: kindRandom, desc: fmt.Sprintf("random (model.New, seed %d; %s)", studySeed,
		describeConfig(m.Config()))}, nil
}

// trainStudyModel trains a model as seminar demo does and writes it to path without the demo's
// codec, so that the study trains its own.
func trainStudyModel(ctx context.Context, s *suite.Spec, path string, quiet bool, log *studyLog) error {
	start := time.Now()
	progress := log.w
	if quiet {
		progress = io.Discard
	}
	b, err := trainDemoModel(ctx, s, studySeed, newBars(progress, quiet), progress)
	if err != nil {
		return err
	}
	m, extras, err := modelfile.Load(b)
	if err != nil {
		return err
	}
	delete(extras, retrieval.Section)
	var file bytes.Buffer
	if err := modelfile.Save(&file, m, extras); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Written whole under another name first: an interrupted run leaves no file to be taken for a
	// trained model.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, file.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	log.printf("trained %s in %.0f s", path, time.Since(start).Seconds())
	return nil
}

// describeModelFile names a model file and, for a training checkpoint, how it was trained.
func describeModelFile(path string, m *model.Model, extras map[string][]byte) string {
	desc := path
	var meta train.Meta
	if raw, ok := extras[train.MetaSection]; ok && json.Unmarshal(raw, &meta) == nil {
		desc += fmt.Sprintf(" (%s %s trained on %s, seed %d: %d steps over %d targets)", meta.Model, meta.Kind,
			meta.Dataset, meta.Seed, meta.Report.Steps, meta.Report.Targets)
	}
	return desc + "; " + describeConfig(m.Config())
}

func describeConfig(c model.Config) string {
	return fmt.Sprintf("d=%d, %d heads, K=%d", c.Dim, c.Heads, c.TopK)
}

// codecs loads the 4-bit codec from the model file's section or trains it, and trains the 8-bit
// one, both with the compact layout and one sub-space per dimension.
func (sd *studyData) codecs(ctx context.Context, train []retrieval.Event, extras map[string][]byte, setup *studySetup) error {
	flags := codecFlags{layout: "two-stage", bits: 4, fine: -1, maxEvents: 100_000, seed: studySeed}
	var err error
	if b, ok := extras[retrieval.Section]; ok {
		if sd.c4, err = retrieval.LoadCodec(sd.m, b); err != nil {
			return err
		}
		setup.Codec4 = "from the model file"
	} else {
		if sd.c4, err = flags.train(ctx, sd.m, train); err != nil {
			return err
		}
		setup.Codec4 = "trained here"
	}
	flags.layout, flags.bits = "compact", 8
	if sd.c8, err = flags.train(ctx, sd.m, train); err != nil {
		return err
	}
	setup.Codec4 = describeCodec(sd.c4) + ", " + setup.Codec4
	setup.Codec8 = describeCodec(sd.c8) + ", trained here"
	return nil
}

func describeCodec(c *retrieval.Codec) string {
	var groups []string
	for i, g := range c.Groups() {
		groups = append(groups, fmt.Sprintf("%s:%d", g, c.Codebooks().Codebook(i).M()))
	}
	if c.Fine() != nil {
		return fmt.Sprintf("%d-bit %s (%d codes per event) + 8-bit fine residual codes (%d per event)", c.Bits(),
			strings.Join(groups, ","), c.CodesPerEvent(), c.FineBytes())
	}
	return fmt.Sprintf("%d-bit %s (%d codes per event)", c.Bits(), strings.Join(groups, ","), c.CodesPerEvent())
}

// prepare draws the candidates and encodes every evaluated history into its stores.
func (sd *studyData) prepare() error {
	var err error
	if sd.cands, err = eval.SampleCandidates(sd.d, "test", sd.cases, candidateNegatives, candidateSeed); err != nil {
		return err
	}
	sd.stores4, sd.stores8 = map[int32]*retrieval.Store{}, map[int32]*retrieval.Store{}
	enc := model.NewEncoder(sd.m)
	parts := make([]float32, model.NumParts*sd.m.Dim())
	for _, c := range sd.cases {
		s4 := retrieval.NewStore(sd.c4, retrieval.StoreOptions{Int8: true})
		s8 := retrieval.NewStore(sd.c8, retrieval.StoreOptions{})
		for _, e := range c.History {
			if err := enc.EventParts(parts, e.Query, e.Kind, &sd.items[e.Item]); err != nil {
				return err
			}
			if err := s4.AppendParts(parts, e.Time, e.Kind); err != nil {
				return err
			}
			if err := s8.AppendParts(parts, e.Time, e.Kind); err != nil {
				return err
			}
		}
		sd.stores4[c.User], sd.stores8[c.User] = s4, s8
	}
	return nil
}

// approxVariant is one configuration of the approximate path.
type approxVariant struct {
	name string
	bits int
	opt  retrieval.Options
}

// rankingVariants are the approximate paths compared with the model's exact ranking.
func rankingVariants(m *model.Model) []approxVariant {
	cfg := m.Config()
	k := cfg.TopK
	all := cfg.Heads * k
	return []approxVariant{
		{fmt.Sprintf("4-bit, per head K=%d, ESU on decoded codes", k), 4, retrieval.Options{Heads: retrieval.PerHead}},
		{fmt.Sprintf("4-bit, per head K=%d, int8 refine R=%d, ESU on int8", k, shortlistFactor*k), 4,
			retrieval.Options{Heads: retrieval.PerHead, Shortlist: shortlistFactor * k, Refine: retrieval.FromInt8, ESU: retrieval.FromInt8}},
		{fmt.Sprintf("4-bit, merged K=%d, ESU on decoded codes", all), 4, retrieval.Options{K: all}},
		{fmt.Sprintf("4-bit, merged K=%d, int8 refine R=%d, ESU on int8", all, 2*all), 4,
			retrieval.Options{K: all, Shortlist: 2 * all, Refine: retrieval.FromInt8, ESU: retrieval.FromInt8}},
		{fmt.Sprintf("8-bit, per head K=%d, ESU on decoded codes", k), 8, retrieval.Options{Heads: retrieval.PerHead}},
	}
}

// storeRanker ranks a case's candidates through retrieval.Ranker over the case's store.
type storeRanker struct {
	sd     *studyData
	stores map[int32]*retrieval.Store
	r      *retrieval.Ranker
	opt    retrieval.Options
	cands  []retrieval.Candidate
}

func (a *storeRanker) Score(dst []float32, c *eval.Case, items []int32) (int, error) {
	a.cands = a.cands[:0]
	for _, it := range items {
		a.cands = append(a.cands, retrieval.Candidate{Query: c.Target.Query, Kind: c.Target.Kind, Item: &a.sd.items[it]})
	}
	res, err := a.r.Rank(a.stores[c.User], a.cands, a.opt)
	if err != nil {
		return 0, err
	}
	copy(dst, res.Scores)
	return 0, nil
}

// rankingStudy ranks every case's candidates with the model's exact GSU and with every
// approximate variant, and reports their metrics (computed as core/eval computes them, from the
// positive's score and its negatives') and how closely each variant reproduces the exact
// ranking: the overlap of the two top-10 lists and the mean absolute difference of the logits.
// Cases are split into contiguous blocks, one per worker, merged in order.
func rankingStudy(ctx context.Context, sd *studyData, workers int, rep *studyReport) error {
	variants := rankingVariants(sd.m)
	workers = max(1, min(workers, len(sd.cases)))
	shards := make([]rankingShard, workers)
	block := (len(sd.cases) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range shards {
		lo, hi := min(len(sd.cases), w*block), min(len(sd.cases), (w+1)*block)
		wg.Go(func() { shards[w].run(ctx, sd, variants, lo, hi) })
	}
	wg.Wait()
	total := shards[0]
	if total.err != nil {
		return total.err
	}
	for _, sh := range shards[1:] {
		if sh.err != nil {
			return sh.err
		}
		for v := range total.acc {
			if err := total.acc[v].Merge(sh.acc[v]); err != nil {
				return err
			}
			total.top10[v] += sh.top10[v]
			total.dlogit[v] += sh.dlogit[v]
		}
	}
	exact := total.acc[0].Result()
	at10 := slices.Index(exact.Ks, 10)
	for v := range total.acc {
		r := total.acc[v].Result()
		name := "exact (the model's GSU over float32 vectors)"
		if v > 0 {
			name = variants[v-1].name
		}
		rep.Ranking = append(rep.Ranking, rankingRow{Dataset: sd.name, Model: sd.kind, Variant: name, Cases: r.Cases,
			HIT10: r.HIT[at10], NDCG10: r.NDCG[at10], MRR: r.MRR,
			DeltaRel:     (r.NDCG[at10] - exact.NDCG[at10]) / exact.NDCG[at10],
			Top10:        total.top10[v] / float64(r.Cases),
			AbsLogitDiff: total.dlogit[v] / float64(r.Cases)})
	}
	return nil
}

// rankingShard ranks one block of cases: accumulators and agreement sums per ranking, the
// exact one first.
type rankingShard struct {
	acc           []*metrics.Accumulator
	top10, dlogit []float64
	err           error
}

func (sh *rankingShard) run(ctx context.Context, sd *studyData, variants []approxVariant, lo, hi int) {
	exact, err := eval.NewModelRanker(sd.m, baseline.Strategy{Kind: baseline.GSU}, sd.items)
	if err != nil {
		sh.err = err
		return
	}
	rankers := []eval.Ranker{exact}
	for _, v := range variants {
		stores, codec := sd.stores4, sd.c4
		if v.bits == 8 {
			stores, codec = sd.stores8, sd.c8
		}
		rankers = append(rankers, &storeRanker{sd: sd, stores: stores, r: retrieval.NewRanker(codec), opt: v.opt})
	}
	sh.top10, sh.dlogit = make([]float64, len(rankers)), make([]float64, len(rankers))
	for range rankers {
		acc, err := metrics.NewAccumulator(eval.Ks...)
		if err != nil {
			sh.err = err
			return
		}
		sh.acc = append(sh.acc, acc)
	}
	var items []int32
	scores := make([][]float32, len(rankers))
	for i := lo; i < hi; i++ {
		if sh.err = ctx.Err(); sh.err != nil {
			return
		}
		ci := sd.cands.Cases[i]
		items = append(append(items[:0], ci.Positive), ci.Negatives...)
		for v, r := range rankers {
			scores[v] = slices.Grow(scores[v][:0], len(items))[:len(items)]
			if _, sh.err = r.Score(scores[v], &sd.cases[i], items); sh.err != nil {
				return
			}
			if sh.err = sh.acc[v].Add(scores[v][0], scores[v][1:]); sh.err != nil {
				return
			}
			sh.top10[v] += topOverlap(scores[0], scores[v], 10)
			for j, x := range scores[v] {
				sh.dlogit[v] += math.Abs(float64(x-scores[0][j])) / float64(len(items))
			}
		}
	}
}

// topOverlap is the fraction of the n best of a that are among the n best of b (ties by lower
// index).
func topOverlap(a, b []float32, n int) float64 {
	top := func(s []float32) []int {
		idx := make([]int, len(s))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(s[y], s[x]) })
		return idx[:min(n, len(idx))]
	}
	ta, tb := top(a), top(b)
	hits := 0
	for _, i := range ta {
		if slices.Contains(tb, i) {
			hits++
		}
	}
	return float64(hits) / float64(len(ta))
}

// recallHistory is one history in all its forms and the targets retrieved from it.
type recallHistory struct {
	h       *model.History // event vectors s_j
	hq      *model.History // query parts u_query(j), for exactly weighted scores
	s4, s8  *retrieval.Store
	targets [][]float32
}

// encodeHistory encodes events into a recallHistory's vectors and stores.
func encodeHistory(m *model.Model, c4, c8 *retrieval.Codec, items []data.Item, evs []data.Event) (*recallHistory, error) {
	d := m.Dim()
	rh := &recallHistory{h: m.NewHistory(len(evs)), hq: m.NewHistory(len(evs)),
		s4: retrieval.NewStore(c4, retrieval.StoreOptions{Int8: true})}
	rh.s4.Reserve(len(evs))
	if c8 != nil {
		rh.s8 = retrieval.NewStore(c8, retrieval.StoreOptions{})
		rh.s8.Reserve(len(evs))
	}
	enc := model.NewEncoder(m)
	parts := make([]float32, model.NumParts*d)
	s := make([]float32, d)
	for _, e := range evs {
		if err := enc.EventParts(parts, e.Query, e.Kind, &items[e.Item]); err != nil {
			return nil, err
		}
		// Summed in part order, as model.Encoder.EventVector sums.
		copy(s, parts[:d])
		for p := 1; p < model.NumParts; p++ {
			kernels.Axpy(1, parts[p*d:(p+1)*d], s)
		}
		if err := errors.Join(rh.h.Append(s), rh.hq.Append(parts[:d]), rh.s4.AppendParts(parts, e.Time, e.Kind)); err != nil {
			return nil, err
		}
		if rh.s8 != nil {
			if err := rh.s8.AppendParts(parts, e.Time, e.Kind); err != nil {
				return nil, err
			}
		}
	}
	return rh, nil
}

// recallVariant is one approximate retrieval compared with an exact one.
type recallVariant struct {
	name       string
	definition string
	bits       int
	opt        retrieval.Options
	exact      retrieval.Options
	weights    []float32 // per part, for the exactly weighted reference; nil for plain scores
}

func recallVariants(m *model.Model) []recallVariant {
	cfg := m.Config()
	var vs []recallVariant
	merged := "merged heads: top K of Σ_h a_h(j)"
	for _, k := range []int{50, 100} {
		r := shortlistFactor * k
		exact := retrieval.Options{K: k}
		vs = append(vs,
			recallVariant{"4-bit coarse scan", merged, 4, retrieval.Options{K: k, Refine: retrieval.FromCoarse}, exact, nil},
			recallVariant{fmt.Sprintf("two-stage: 4-bit scan + refine from fine codes, R=%d (default)", retrieval.DefaultShortlistFactor*k),
				merged, 4, retrieval.Options{K: k}, exact, nil},
			recallVariant{fmt.Sprintf("two-stage: 4-bit scan + refine from fine codes, R=%d", 10*k),
				merged, 4, retrieval.Options{K: k, Shortlist: 10 * k}, exact, nil},
			recallVariant{fmt.Sprintf("4-bit + refine from int8, R=%d", r), merged, 4,
				retrieval.Options{K: k, Shortlist: r, Refine: retrieval.FromInt8}, exact, nil},
			recallVariant{"8-bit", merged, 8, retrieval.Options{K: k}, exact, nil},
		)
	}
	perHead := fmt.Sprintf("per head: union of each head's top %d (the model's GSU)", cfg.TopK)
	exactPH := retrieval.Options{Heads: retrieval.PerHead}
	all := cfg.Heads * cfg.TopK
	vs = append(vs,
		recallVariant{"4-bit per head", perHead, 4, retrieval.Options{Heads: retrieval.PerHead}, exactPH, nil},
		recallVariant{fmt.Sprintf("4-bit per head + refine from int8, R=%d", shortlistFactor*cfg.TopK), perHead, 4,
			retrieval.Options{Heads: retrieval.PerHead, Shortlist: shortlistFactor * cfg.TopK, Refine: retrieval.FromInt8}, exactPH, nil},
		recallVariant{fmt.Sprintf("exact merged, K=%d", all), perHead + ", by merged retrieval", 0,
			retrieval.Options{K: all}, exactPH, nil},
		recallVariant{fmt.Sprintf("4-bit merged + refine from int8, K=%d, R=%d", all, 2*all), perHead + ", by merged retrieval", 4,
			retrieval.Options{K: all, Shortlist: 2 * all, Refine: retrieval.FromInt8}, exactPH, nil},
	)
	for _, wq := range []float32{2, 0.5} {
		w := []float32{wq, 1, 1, 1, 1}
		def := fmt.Sprintf("merged, query part weighted %g", wq)
		vs = append(vs,
			recallVariant{"4-bit", def, 4, retrieval.Options{K: 100, Weights: w}, retrieval.Options{K: 100}, w},
			recallVariant{"4-bit + refine from int8, R=400", def, 4,
				retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8, Weights: w}, retrieval.Options{K: 100}, w},
		)
	}
	return vs
}

// recallAccumulator sums the recall of one variant over targets.
type recallAccumulator struct {
	strict, tie float64
	hasTie      bool
	n, events   int
}

// recallScratch holds the buffers of exact scoring.
type recallScratch struct {
	m        *model.Model
	gq, q    []float32
	scores   []float32 // q̄·s_j
	qscores  []float32 // q̄·u_query(j)
	weighted []float32
	idx      []int32
	exact    []int32
}

func newRecallScratch(m *model.Model) *recallScratch {
	cfg := m.Config()
	return &recallScratch{m: m, gq: make([]float32, cfg.Heads*cfg.Dim), q: make([]float32, cfg.Dim)}
}

// run adds the recall of every variant for every target of rh to acc.
func (rs *recallScratch) run(rh *recallHistory, vs []recallVariant, r4, r8, rx *retrieval.Ranker, acc []recallAccumulator) error {
	d, n := rs.m.Dim(), rh.h.Len()
	rs.scores = slices.Grow(rs.scores[:0], n)[:n]
	rs.qscores = slices.Grow(rs.qscores[:0], n)[:n]
	rs.weighted = slices.Grow(rs.weighted[:0], n)[:n]
	for _, t := range rh.targets {
		if err := rs.m.GSUQueries(rs.gq, t); err != nil {
			return err
		}
		copy(rs.q, rs.gq[:d])
		for h := 1; h < len(rs.gq)/d; h++ {
			kernels.Axpy(1, rs.gq[h*d:(h+1)*d], rs.q)
		}
		kernels.MatVec(rs.scores, rh.h.Vectors(), rs.q)
		kernels.MatVec(rs.qscores, rh.hq.Vectors(), rs.q)
		for i, v := range vs {
			strict, tie, hasTie, err := rs.compare(rh, t, v, r4, r8, rx)
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			a := &acc[i]
			a.strict += strict
			a.tie += tie
			a.hasTie = hasTie
			a.n++
			a.events += n
		}
	}
	return nil
}

// compare retrieves for target t exactly and by variant v and returns the fraction of the exact
// set the approximate one holds, and, for merged definitions, the tie-aware fraction: retrieved
// events whose exact score reaches the exact K-th best (events with equal vectors, such as a
// repeated item, are interchangeable).
func (rs *recallScratch) compare(rh *recallHistory, t []float32, v recallVariant, r4, r8, rx *retrieval.Ranker) (strict, tie float64, hasTie bool, err error) {
	var exact []int32
	var ref []float32
	switch {
	case v.weights != nil:
		w := v.weights[model.PartQuery] - 1
		for j, x := range rs.scores {
			rs.weighted[j] = x + w*rs.qscores[j]
		}
		ref = rs.weighted
		rs.idx = fastscan.TopKFloat(ref, min(v.exact.K, len(ref)), rs.idx)
		exact = rs.idx
	default:
		if exact, err = rx.RetrieveExact(rh.h, t, v.exact); err != nil {
			return 0, 0, false, err
		}
		if v.exact.Heads == retrieval.MergedHeads {
			ref = rs.scores
		}
	}
	rs.exact = append(rs.exact[:0], exact...)
	slices.Sort(rs.exact)
	kth := float32(math.Inf(1))
	for _, j := range rs.exact {
		if ref != nil {
			kth = min(kth, ref[j])
		}
	}
	var got []int32
	switch v.bits {
	case 0:
		got, err = rx.RetrieveExact(rh.h, t, v.opt)
	case 8:
		got, err = r8.Retrieve(rh.s8, t, v.opt)
	default:
		got, err = r4.Retrieve(rh.s4, t, v.opt)
	}
	if err != nil {
		return 0, 0, false, err
	}
	hits, ties := 0, 0
	for _, j := range got {
		if _, ok := slices.BinarySearch(rs.exact, j); ok {
			hits++
		}
		if ref != nil && ref[j] >= kth {
			ties++
		}
	}
	e := float64(len(rs.exact))
	return float64(hits) / e, float64(min(ties, len(rs.exact))) / e, ref != nil, nil
}

// addRecall appends one row per variant.
func (rep *studyReport) addRecall(dataset, kind string, vs []recallVariant, acc []recallAccumulator) {
	for i, v := range vs {
		a := acc[i]
		if a.n == 0 {
			continue
		}
		k := v.exact.K
		row := recallRow{Dataset: dataset, Model: kind, L: float64(a.events) / float64(a.n), Definition: v.definition,
			Variant: v.name, K: k, Recall: a.strict / float64(a.n), Targets: a.n}
		if a.hasTie {
			row.TieAware = a.tie / float64(a.n)
		}
		rep.Recall = append(rep.Recall, row)
	}
}

// recallMovieLens compares retrieval on every ml-100k test history longer than the variant's
// K (shorter ones are kept whole by both), for the case's positive and first negatives.
func recallMovieLens(sd *studyData, rep *studyReport) error {
	vs := recallVariants(sd.m)
	acc := make([]recallAccumulator, len(vs))
	rs := newRecallScratch(sd.m)
	r4, r8, rx := retrieval.NewRanker(sd.c4), retrieval.NewRanker(sd.c8), retrieval.NewRanker(sd.c4)
	enc := model.NewEncoder(sd.m)
	minK := 50
	for ci, c := range sd.cases {
		if len(c.History) <= minK {
			continue
		}
		rh, err := encodeHistory(sd.m, sd.c4, sd.c8, sd.items, c.History)
		if err != nil {
			return err
		}
		items := append([]int32{sd.cands.Cases[ci].Positive}, sd.cands.Cases[ci].Negatives[:recallTargets-1]...)
		for _, it := range items {
			t := make([]float32, sd.m.Dim())
			if err := enc.EventVector(t, c.Target.Query, c.Target.Kind, &sd.items[it]); err != nil {
				return err
			}
			rh.targets = append(rh.targets, t)
		}
		// Only variants whose retrieval can differ from keeping everything count.
		var keep []recallVariant
		var keepAcc []recallAccumulator
		var at []int
		for i, v := range vs {
			if len(c.History) > retrievedAtMost(sd.m, v.exact) {
				keep, keepAcc, at = append(keep, v), append(keepAcc, recallAccumulator{}), append(at, i)
			}
		}
		if err := rs.run(rh, keep, r4, r8, rx, keepAcc); err != nil {
			return err
		}
		for j, i := range at {
			acc[i].strict += keepAcc[j].strict
			acc[i].tie += keepAcc[j].tie
			acc[i].hasTie = keepAcc[j].hasTie
			acc[i].n += keepAcc[j].n
			acc[i].events += keepAcc[j].events
		}
	}
	rep.addRecall(sd.name+" (histories longer than K)", sd.kind, vs, acc)
	return nil
}

// retrievedAtMost is the most events an exact retrieval keeps: K, or the model's TopK per head.
func retrievedAtMost(m *model.Model, opt retrieval.Options) int {
	if opt.Heads == retrieval.PerHead {
		return m.Config().TopK
	}
	return opt.K
}

// longHistory is one generated user's history of a fixed length.
type longHistory struct {
	sd  *studyData
	evs []data.Event
	*recallHistory
}

// newLongHistory encodes synth.LongUser's history of n events over the ranking set's catalogue,
// with targets: half items of the user's own events, half any items, each under the query and
// kind of one of the user's events.
func newLongHistory(sd *studyData, n, targets int) (*longHistory, error) {
	c := synth.DefaultConfig()
	d, err := synth.LongUser(c.Seed, c.Items, n)
	if err != nil {
		return nil, err
	}
	evs := d.Users[0].Events
	rh, err := encodeHistory(sd.m, sd.c4, sd.c8, sd.items, evs)
	if err != nil {
		return nil, err
	}
	rng := mrand.New(mrand.NewPCG(studySeed, uint64(n)))
	enc := model.NewEncoder(sd.m)
	for i := range targets {
		e := evs[rng.IntN(len(evs))]
		item := evs[rng.IntN(len(evs))].Item
		if i%2 == 1 {
			item = int32(rng.IntN(len(sd.items)))
		}
		t := make([]float32, sd.m.Dim())
		if err := enc.EventVector(t, e.Query, e.Kind, &sd.items[item]); err != nil {
			return nil, err
		}
		rh.targets = append(rh.targets, t)
	}
	return &longHistory{sd: sd, evs: evs, recallHistory: rh}, nil
}

func (lh *longHistory) recall(rep *studyReport) error {
	vs := recallVariants(lh.sd.m)
	acc := make([]recallAccumulator, len(vs))
	rs := newRecallScratch(lh.sd.m)
	r4, r8, rx := retrieval.NewRanker(lh.sd.c4), retrieval.NewRanker(lh.sd.c8), retrieval.NewRanker(lh.sd.c4)
	if err := rs.run(lh.recallHistory, vs, r4, r8, rx, acc); err != nil {
		return err
	}
	rep.addRecall(fmt.Sprintf("generated, L=%d", lh.h.Len()), lh.sd.kind, vs, acc)
	return nil
}

// studyLayouts are the codec layouts compared at L = 10^4 (see package retrieval).
var studyLayouts = []string{
	"query+id+text+attrs+dense:64,query:4",
	"query+id+text+attrs+dense:64,query:8",
	"query+id+text+attrs+dense:64,query:16",
	"query+id+text+attrs+dense:64",
	"query+id+text+attrs+dense:32,query:32",
	"query:32,id+text+attrs+dense:32",
	"query:16,id+text+attrs+dense:64",
	"query:16,id:16,text:16,attrs:16,dense:16",
	"query:8,id:8,text:8,attrs:8,dense:8",
}

// layouts trains a 4-bit codec per layout on the generated set's training events and measures
// its bytes per event and its recall@100 (merged heads), plain and with the query part weighted 2.
func (lh *longHistory) layouts(ctx context.Context, rep *studyReport) error {
	var train []retrieval.Event
	for _, u := range lh.sd.trainUsers {
		for _, e := range lh.sd.full.Users[u].Events {
			train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &lh.sd.items[e.Item]})
		}
	}
	w := []float32{2, 1, 1, 1, 1}
	vs := []recallVariant{
		{"4-bit", "", 4, retrieval.Options{K: 100}, retrieval.Options{K: 100}, nil},
		{"int8", "", 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8}, retrieval.Options{K: 100}, nil},
		{"4-bit weighted", "", 4, retrieval.Options{K: 100, Weights: w}, retrieval.Options{K: 100}, w},
		{"int8 weighted", "", 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8, Weights: w},
			retrieval.Options{K: 100}, w},
	}
	rs := newRecallScratch(lh.sd.m)
	rx := retrieval.NewRanker(lh.sd.c4)
	for _, layout := range studyLayouts {
		flags := codecFlags{layout: layout, bits: 4, maxEvents: 100_000, seed: studySeed}
		c, err := flags.train(ctx, lh.sd.m, train)
		if err != nil {
			return fmt.Errorf("layout %s: %w", layout, err)
		}
		rh, err := encodeHistory(lh.sd.m, c, nil, lh.sd.items, lh.evs)
		if err != nil {
			return err
		}
		rh.targets = lh.targets
		weighted := c.GroupWeights(make([]float32, len(c.Groups())), w) == nil
		run := vs
		if !weighted {
			run = vs[:2]
		}
		acc := make([]recallAccumulator, len(run))
		if err := rs.run(rh, run, retrieval.NewRanker(c), nil, rx, acc); err != nil {
			return fmt.Errorf("layout %s: %w", layout, err)
		}
		row := layoutRow{Layout: layout, Bytes: rh.s4.BytesPerEvent() - lh.sd.m.Dim() - 4,
			Recall: acc[0].strict / float64(acc[0].n), RecallInt8: acc[1].strict / float64(acc[1].n)}
		if weighted {
			row.Weighted, row.WeightedInt8 = acc[2].strict/float64(acc[2].n), acc[3].strict/float64(acc[3].n)
		}
		rep.Layouts = append(rep.Layouts, row)
	}
	return nil
}

// bytesStudy reports what a store keeps per event, and its whole binary form over L.
func bytesStudy(lh *longHistory, rep *studyReport) {
	n := float64(lh.h.Len())
	for _, s := range []struct {
		name  string
		store *retrieval.Store
		int8  bool
	}{
		{"4-bit codes (" + describeCodec(lh.sd.c4) + "), time, kind", lh.s4, false},
		{"4-bit codes, time, kind, int8 copy", lh.s4, true},
		{"8-bit codes (" + describeCodec(lh.sd.c8) + "), time, kind", lh.s8, false},
	} {
		per := float64(s.store.BytesPerEvent())
		b, _ := s.store.MarshalBinary()
		measured := float64(len(b)) / n
		if s.store.Options().Int8 && !s.int8 {
			per -= float64(lh.sd.m.Dim() + 4)
			measured -= float64(lh.sd.m.Dim() + 4)
		}
		rep.Bytes = append(rep.Bytes, bytesRow{Store: s.name, Bytes: per, Measured: measured})
	}
	rep.Bytes = append(rep.Bytes, bytesRow{Store: "float32 event vector (exact), for comparison", Bytes: float64(4 * lh.sd.m.Dim()),
		Measured: float64(4 * lh.sd.m.Dim())})
}

// gsuVariant is one retrieval timed for speed.
type gsuVariant struct {
	name  string
	exact bool
	bits  int
	opt   retrieval.Options
}

func gsuVariants() []gsuVariant {
	return []gsuVariant{
		{"exact f32, merged heads, K=100", true, 0, retrieval.Options{K: 100}},
		{"exact f32, per head (the model's GSU)", true, 0, retrieval.Options{Heads: retrieval.PerHead}},
		{"8-bit ADC, K=100", false, 8, retrieval.Options{K: 100}},
		{"4-bit fast scan, K=100", false, 4, retrieval.Options{K: 100, Refine: retrieval.FromCoarse}},
		{"4-bit two-stage: scan + refine from fine codes, R=400 (default)", false, 4, retrieval.Options{K: 100}},
		{"4-bit + refine from int8, R=400", false, 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8}},
		{"4-bit per head", false, 4, retrieval.Options{Heads: retrieval.PerHead}},
	}
}

// nativeSpeed times every GSU variant natively, one target per call.
func (lh *longHistory) nativeSpeed(rep *studyReport) error {
	vs := gsuVariants()
	calls := make([]func() error, len(vs))
	for k, v := range vs {
		r4, r8 := retrieval.NewRanker(lh.sd.c4), retrieval.NewRanker(lh.sd.c8)
		i := 0
		calls[k] = func() error {
			t := lh.targets[i%len(lh.targets)]
			i++
			var err error
			switch {
			case v.exact:
				_, err = r4.RetrieveExact(lh.h, t, v.opt)
			case v.bits == 8:
				_, err = r8.Retrieve(lh.s8, t, v.opt)
			default:
				_, err = r4.Retrieve(lh.s4, t, v.opt)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			return nil
		}
	}
	took, err := timeInterleaved(calls)
	if err != nil {
		return err
	}
	rows := make([]speedRow, len(vs))
	for k, v := range vs {
		rows[k] = speedRow{Where: "native", L: lh.h.Len(), Variant: v.name, Micros: micros(took[k])}
	}
	rep.Speed = append(rep.Speed, speedRatios(rows)...)
	return nil
}

// speedRatios fills in each row's speed-up over the two exact variants, the first two rows.
func speedRatios(rows []speedRow) []speedRow {
	for i := range rows {
		rows[i].VsExactMerged = rows[0].Micros / rows[i].Micros
		rows[i].VsExactPerHead = rows[1].Micros / rows[i].Micros
	}
	return rows
}

// timeInterleaved times each of fs, which are compared with one another: each runs in batches
// of n calls (n doubled until a batch lasts minBatchDuration), the batches of all fs taking turns
// for timingRounds rounds, and each gets its lowest mean time per call. Interleaving exposes
// every f to the same disturbances of a shared machine, and the minimum is the least disturbed.
func timeInterleaved(fs []func() error) ([]time.Duration, error) {
	sizes := make([]int, len(fs))
	for i, f := range fs {
		for range 3 {
			if err := f(); err != nil {
				return nil, err
			}
		}
		sizes[i] = 1
		for {
			took, err := batch(f, sizes[i])
			if err != nil {
				return nil, err
			}
			if took >= minBatchDuration {
				break
			}
			sizes[i] *= 2
		}
	}
	best := make([]time.Duration, len(fs))
	for i := range best {
		best[i] = math.MaxInt64
	}
	for range timingRounds {
		for i, f := range fs {
			took, err := batch(f, sizes[i])
			if err != nil {
				return nil, err
			}
			best[i] = min(best[i], took/time.Duration(sizes[i]))
		}
	}
	return best, nil
}

// batch runs f n times and returns how long that took.
func batch(f func() error, n int) (time.Duration, error) {
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// wasmStudy times the GSU variants and the 4-bit kernel inside wasm, under wazero's compiler,
// with the reference kernels in the same runtime.
func wasmStudy(ctx context.Context, f studyFlags, sd *studyData, long []*longHistory, rep *studyReport, logf func(string, ...any)) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	kernelsPath := f.kernels
	if kernelsPath == "" {
		dir, err := os.MkdirTemp("", "seminar-study")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		kernelsPath = filepath.Join(dir, "seminar-kernels.wasm")
		build := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-o", kernelsPath, "./cmd/seminar-kernels")
		build.Dir = root
		build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOEXPERIMENT=simd")
		// The toolchain this binary was built with, for wasm SIMD needs Go 1.27.
		if v := strings.Fields(runtime.Version()); len(v) > 0 && strings.HasPrefix(v[0], "go1.") {
			build.Env = append(build.Env, "GOTOOLCHAIN="+v[0])
		}
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building the kernels module: %w\n%s", err, out)
		}
	}
	refPath := f.reference
	if refPath == "" {
		refPath = filepath.Join(root, "..", "shared", "reference", "fastscan_ref.wasm")
	}
	ours, err := os.ReadFile(kernelsPath)
	if err != nil {
		return err
	}
	refBin, err := os.ReadFile(refPath)
	if err != nil {
		return err
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithMemoryLimitPages(wasmMemoryPages))
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return err
	}
	mod, err := rt.InstantiateWithConfig(ctx, ours, wazero.NewModuleConfig().WithName("seminar-kernels").
		WithStartFunctions("_initialize").WithSysNanotime().WithSysWalltime().WithRandSource(rand.Reader).
		WithStderr(os.Stderr))
	if err != nil {
		return fmt.Errorf("seminar-kernels: %w", err)
	}
	ref, err := rt.InstantiateWithConfig(ctx, refBin, wazero.NewModuleConfig().WithName("fastscan_ref"))
	if err != nil {
		return fmt.Errorf("fastscan_ref: %w", err)
	}
	w := &wasmModules{ctx: ctx, ours: mod, ref: ref}
	for _, lh := range long {
		logf("wasm: GSU variants at %d events", lh.h.Len())
		if err := w.gsu(sd, lh, rep); err != nil {
			return err
		}
	}
	for _, n := range studyLengths {
		for _, m := range []int{16, sd.c4.CodesPerEvent()} {
			logf("wasm: 4-bit kernels, %d events × %d sub-quantizers", n, m)
			if err := w.kernels(n, m, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

type wasmModules struct {
	ctx       context.Context
	ours, ref api.Module
}

// call calls an export with args and returns its first result (0 if none).
func (w *wasmModules) call(mod api.Module, name string, args ...uint64) (uint64, error) {
	fn := mod.ExportedFunction(name)
	if fn == nil {
		return 0, fmt.Errorf("%s has no export %s", mod.Name(), name)
	}
	res, err := fn.Call(w.ctx, args...)
	if err != nil || len(res) == 0 {
		return 0, err
	}
	return res[0], nil
}

// put copies b into a new buffer of the kernels module and returns its address.
func (w *wasmModules) put(b []byte) (uint32, error) {
	p, err := w.call(w.ours, "alloc", uint64(len(b)))
	if err != nil {
		return 0, err
	}
	if p == 0 || !w.ours.Memory().Write(uint32(p), b) {
		return 0, fmt.Errorf("seminar-kernels: cannot place %d bytes", len(b))
	}
	return uint32(p), nil
}

// ourError reads the kernels module's last error message.
func (w *wasmModules) ourError() error {
	p, _ := w.call(w.ours, "error_message")
	n, _ := w.call(w.ours, "error_length")
	b, _ := w.ours.Memory().Read(uint32(p), uint32(n))
	return fmt.Errorf("seminar-kernels: %s", b)
}

// timed returns a call of fn with args, for timeInterleaved: it goes through CallWithStack so that
// the host adds no allocation to what is timed.
func (w *wasmModules) timed(mod api.Module, name string, args ...uint64) (func() error, error) {
	fn := mod.ExportedFunction(name)
	if fn == nil {
		return nil, fmt.Errorf("%s has no export %s", mod.Name(), name)
	}
	stack := make([]uint64, max(len(args), len(fn.Definition().ResultTypes())))
	return func() error {
		copy(stack, args)
		if err := fn.CallWithStack(w.ctx, stack); err != nil {
			return err
		}
		if len(fn.Definition().ResultTypes()) > 0 && int32(stack[0]) < 0 {
			return w.ourError()
		}
		return nil
	}, nil
}

// gsu loads lh into the kernels module and times every GSU variant there.
func (w *wasmModules) gsu(sd *studyData, lh *longHistory, rep *studyReport) error {
	c4, err := sd.c4.MarshalBinary()
	if err != nil {
		return err
	}
	c8, err := sd.c8.MarshalBinary()
	if err != nil {
		return err
	}
	mf, err := modelfile.Marshal(sd.m, map[string][]byte{retrieval.Section: c4, section8: c8})
	if err != nil {
		return err
	}
	s4, err := lh.s4.MarshalBinary()
	if err != nil {
		return err
	}
	s8, err := lh.s8.MarshalBinary()
	if err != nil {
		return err
	}
	hist := floatBytes(lh.h.Vectors())
	var ptrs []uint64
	for _, b := range [][]byte{mf, s4, s8, hist} {
		p, err := w.put(b)
		if err != nil {
			return err
		}
		ptrs = append(ptrs, uint64(p), uint64(len(b)))
	}
	if st, err := w.call(w.ours, "load", ptrs...); err != nil {
		return err
	} else if int32(st) != 0 {
		return w.ourError()
	}
	targets := make([]uint64, len(lh.targets))
	for i, t := range lh.targets {
		p, err := w.put(floatBytes(t))
		if err != nil {
			return err
		}
		targets[i] = uint64(p)
	}
	vs := gsuVariants()
	variants := make([]func() error, len(vs))
	for k, v := range vs {
		exact := uint64(0)
		if v.exact {
			exact = 1
		}
		calls := make([]func() error, len(targets))
		for i, t := range targets {
			if calls[i], err = w.timed(w.ours, "gsu", t, exact, uint64(v.bits), uint64(v.opt.Heads), uint64(v.opt.K),
				uint64(v.opt.Shortlist), uint64(v.opt.Refine)); err != nil {
				return err
			}
		}
		i := 0
		variants[k] = func() error {
			i++
			if err := calls[i%len(calls)](); err != nil {
				return fmt.Errorf("wasm %s: %w", v.name, err)
			}
			return nil
		}
	}
	took, err := timeInterleaved(variants)
	if err != nil {
		return err
	}
	rows := make([]speedRow, len(vs))
	for k, v := range vs {
		rows[k] = speedRow{Where: "wasm", L: lh.h.Len(), Variant: v.name, Micros: micros(took[k])}
	}
	rep.Speed = append(rep.Speed, speedRatios(rows)...)
	return nil
}

// kernels times the project's Scan4 and ScanMulti4 and the reference's scan4 over the same n
// events of m random 4-bit codes and the same random table, each in its own layout, and checks
// both against the plain sums.
func (w *wasmModules) kernels(n, m int, rep *studyReport) error {
	rng := mrand.New(mrand.NewPCG(studySeed, uint64(n*m)))
	codes := make([]byte, n*m)
	for i := range codes {
		codes[i] = byte(rng.IntN(16))
	}
	const tables = 8
	luts := make([]byte, tables*16*m)
	for i := range luts {
		luts[i] = byte(rng.IntN(256))
	}
	lut := luts[:16*m]
	want := make([]uint16, n)
	for j := range want {
		for c := range m {
			want[j] += uint16(lut[16*c+int(codes[j*m+c])])
		}
	}

	// The project's kernel: 32-event blocks (fastscan.PackCodes4).
	packed := make([]byte, fastscan.PackedLen4(n, m))
	if err := fastscan.PackCodes4(packed, codes, n, m); err != nil {
		return err
	}
	nb := fastscan.Blocks(n)
	var ptr [4]uint32
	var err error
	for i, size := range []int{len(luts), len(packed), 2 * nb * fastscan.BlockSize, 2 * tables * nb * fastscan.BlockSize} {
		if ptr[i], err = w.put(make([]byte, size)); err != nil {
			return err
		}
	}
	if !w.ours.Memory().Write(ptr[0], luts) || !w.ours.Memory().Write(ptr[1], packed) {
		return errors.New("seminar-kernels: cannot write the kernel inputs")
	}
	scan, err := w.timed(w.ours, "scan4", uint64(ptr[0]), uint64(ptr[1]), uint64(nb), uint64(m), uint64(ptr[2]))
	if err != nil {
		return err
	}
	multi, err := w.timed(w.ours, "scan_multi4", uint64(ptr[0]), tables, uint64(ptr[1]), uint64(nb), uint64(m), uint64(ptr[3]))
	if err != nil {
		return err
	}

	// The reference: 16-event blocks, laid out in its 32 MiB scratch area.
	base, err := w.call(w.ref, "base")
	if err != nil {
		return err
	}
	refNB := (n + 15) / 16
	refCodes := make([]byte, refNB*m/2*16)
	for j := range n {
		b, lane := j/16, j%16
		for p := 0; p < m/2; p++ {
			refCodes[(b*(m/2)+p)*16+lane] = codes[j*m+2*p] | codes[j*m+2*p+1]<<4
		}
	}
	lutAt := uint32(base)
	codesAt := lutAt + uint32(align16(len(lut)))
	outAt := codesAt + uint32(align16(len(refCodes)))
	if !w.ref.Memory().Write(lutAt, lut) || !w.ref.Memory().Write(codesAt, refCodes) {
		return errors.New("fastscan_ref: cannot write the kernel inputs")
	}
	refScan, err := w.timed(w.ref, "scan4", uint64(lutAt), uint64(codesAt), uint64(refNB), uint64(m), uint64(outAt))
	if err != nil {
		return err
	}
	took, err := timeInterleaved([]func() error{refScan, scan, multi})
	if err != nil {
		return err
	}
	refTook, ours, multiTook := took[0], took[1], took[2]
	out, _ := w.ref.Memory().Read(outAt, uint32(2*n))
	refOK := equalSums(out, want)
	out, _ = w.ours.Memory().Read(ptr[2], uint32(2*n))
	oursOK := equalSums(out, want)
	out, _ = w.ours.Memory().Read(ptr[3], uint32(2*n))
	multiOK := equalSums(out, want)

	lookups := float64(n * m)
	rep.Kernels = append(rep.Kernels,
		kernelRow{L: n, M: m, Kernel: "reference scan4 (clang -O3 -msimd128)", Micros: micros(refTook),
			GLookups: lookups / refTook.Seconds() / 1e9, VsReference: 1, MatchesNaive: refOK},
		kernelRow{L: n, M: m, Kernel: "fastscan.Scan4", Micros: micros(ours),
			GLookups: lookups / ours.Seconds() / 1e9, VsReference: refTook.Seconds() / ours.Seconds(), MatchesNaive: oursOK},
		kernelRow{L: n, M: m, Kernel: fmt.Sprintf("fastscan.ScanMulti4, %d tables (per table)", tables),
			Micros: micros(multiTook / tables), GLookups: tables * lookups / multiTook.Seconds() / 1e9,
			VsReference: tables * refTook.Seconds() / multiTook.Seconds(), MatchesNaive: multiOK},
	)
	return nil
}

func align16(n int) int { return (n + 15) &^ 15 }

// equalSums reports whether out holds the little-endian uint16 sums want.
func equalSums(out []byte, want []uint16) bool {
	if len(out) < 2*len(want) {
		return false
	}
	for j, v := range want {
		if binary.LittleEndian.Uint16(out[2*j:]) != v {
			return false
		}
	}
	return true
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// repoRoot is the folder of the module's go.mod, found upwards from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.Contains(b, []byte("module github.com/seminar-ranker/seminar\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the seminar repository: run the study from it")
		}
		dir = parent
	}
}

// judge states each target of the study met or missed, with the measured figure.
func (rep *studyReport) judge() {
	add := func(target, measured string, met bool) {
		rep.Targets = append(rep.Targets, studyTarget{Target: target, Measured: measured, Met: met})
	}
	l4 := fmt.Sprintf("generated, L=%d", studyLengths[0])
	recall := func(kind, variant string) (float64, bool) {
		for _, r := range rep.Recall {
			if r.Dataset == l4 && r.Model == kind && r.K == 100 && r.Variant == variant &&
				strings.HasPrefix(r.Definition, "merged heads") {
				return r.Recall, true
			}
		}
		return 0, false
	}
	for _, kind := range []string{kindTrained, kindRandom} {
		for _, v := range []struct{ variant, store string }{
			{"4-bit + refine from int8, R=400", "with the int8 copy"},
			{"two-stage: 4-bit scan + refine from fine codes, R=400 (default)", "codes only"},
			{"two-stage: 4-bit scan + refine from fine codes, R=1000", "codes only"},
			{"4-bit coarse scan", "codes only"},
		} {
			if r, ok := recall(kind, v.variant); ok {
				add(fmt.Sprintf("recall@100 ≥ 0.95 vs exact f32 at L = 10^4 (%s model; merged heads; %s; %s)", kind,
					v.variant, v.store), fmt.Sprintf("%.3f", r), r >= 0.95)
			}
		}
	}
	for _, r := range rep.Ranking {
		if strings.HasPrefix(r.Variant, "exact") {
			continue
		}
		add(fmt.Sprintf("NDCG@10 falls ≤ 1%% relative to exact (%s, %s model; %s)", r.Dataset, r.Model, r.Variant),
			fmt.Sprintf("%+.2f%% (%.4f)", 100*r.DeltaRel, r.NDCG10), r.DeltaRel >= -0.01)
	}
	for _, b := range rep.Bytes {
		if strings.HasPrefix(b.Store, "float32") {
			continue
		}
		add("≤ 40 bytes per stored event ("+b.Store+")", fmt.Sprintf("%.2f B (%.2f B serialized)", b.Bytes, b.Measured),
			b.Bytes <= 40)
	}
	for _, s := range rep.Speed {
		if s.Where != "wasm" || s.L != studyLengths[0] || !strings.HasPrefix(s.Variant, "4-bit") {
			continue
		}
		add("inside wasm the 4-bit GSU is ≥ 10× faster than the exact f32 GSU, L = 10^4 ("+s.Variant+
			", against merged exact f32 with the same K)", fmt.Sprintf("%.2f×", s.VsExactMerged), s.VsExactMerged >= 10)
		add("inside wasm the 4-bit GSU is ≥ 10× faster than the exact f32 GSU, L = 10^4 ("+s.Variant+
			", against the model's exact per-head GSU)", fmt.Sprintf("%.2f×", s.VsExactPerHead), s.VsExactPerHead >= 10)
	}
	for _, k := range rep.Kernels {
		if k.Kernel != "fastscan.Scan4" {
			continue
		}
		add(fmt.Sprintf("our scan kernel reaches ≥ 1.0× the reference's lookups per second (L = %d, m = %d)", k.L, k.M),
			fmt.Sprintf("%.2f× (%.2f G lookups/s)", k.VsReference, k.GLookups), k.VsReference >= 1)
	}
}

// text renders the report as tables.
func (rep *studyReport) text() string {
	var b strings.Builder
	section := func(title string) { b.WriteString("\n## " + title + "\n\n") }
	section("Setup")
	for _, s := range rep.Setup {
		fmt.Fprintf(&b, "- %s, %s model: %s; 4-bit codec %s; 8-bit codec %s. %s\n", s.Dataset, s.Kind, s.Model, s.Codec4,
			s.Codec8, s.Data)
	}
	fmt.Fprintf(&b, "- layouts, bytes and speed: generated data, %s model\n", rep.Primary)
	fmt.Fprintf(&b, "- machine: %s/%s, %d CPUs, %s; fastscan SIMD natively: %v", rep.Machine.GOOS, rep.Machine.GOARCH,
		rep.Machine.CPUs, rep.Machine.GoVersion, rep.Machine.FastScanSIMDNative)
	if rep.Machine.LoadStart != "" {
		fmt.Fprintf(&b, "; one-minute load average %s at the start, %s at the end", rep.Machine.LoadStart, rep.Machine.LoadEnd)
	}
	b.WriteString("\n")
	section("Bytes per stored event")
	rows := [][]string{{"store", "bytes/event", "serialized/event"}}
	for _, r := range rep.Bytes {
		rows = append(rows, []string{r.Store, fmt.Sprintf("%.2f", r.Bytes), fmt.Sprintf("%.2f", r.Measured)})
	}
	writeTable(&b, rows)
	section("Recall of the approximate GSU against the exact float32 GSU")
	rows = [][]string{{"data", "model", "mean L", "definition", "variant", "K", "recall", "tie-aware", "targets"}}
	for _, r := range rep.Recall {
		tie := "–"
		if r.TieAware > 0 {
			tie = fmt.Sprintf("%.3f", r.TieAware)
		}
		k := fmt.Sprint(r.K)
		if r.K == 0 {
			k = "per head"
		}
		rows = append(rows, []string{r.Dataset, r.Model, fmt.Sprintf("%.0f", r.L), r.Definition, r.Variant, k,
			fmt.Sprintf("%.3f", r.Recall), tie, fmt.Sprint(r.Targets)})
	}
	writeTable(&b, rows)
	if len(rep.Layouts) > 0 {
		section(fmt.Sprintf("Codec layouts: recall@100 (merged heads) at L = %d, %s model", studyLengths[0], rep.Primary))
		rows = [][]string{{"layout (group:sub-spaces)", "bytes/event", "4-bit", "+ int8 refine R=400", "query ×2: 4-bit", "+ int8 refine"}}
		for _, r := range rep.Layouts {
			w, wi := "–", "–"
			if r.Weighted > 0 {
				w, wi = fmt.Sprintf("%.3f", r.Weighted), fmt.Sprintf("%.3f", r.WeightedInt8)
			}
			rows = append(rows, []string{r.Layout, fmt.Sprint(r.Bytes), fmt.Sprintf("%.3f", r.Recall),
				fmt.Sprintf("%.3f", r.RecallInt8), w, wi})
		}
		writeTable(&b, rows)
	}
	section("Ranking metrics with approximate against exact retrieval")
	rows = [][]string{{"data", "model", "retrieval", "cases", "HIT@10", "NDCG@10", "MRR", "NDCG@10 change", "top-10 agreement", "mean |Δ logit|"}}
	for _, r := range rep.Ranking {
		rows = append(rows, []string{r.Dataset, r.Model, r.Variant, fmt.Sprint(r.Cases), fmt.Sprintf("%.4f", r.HIT10),
			fmt.Sprintf("%.4f", r.NDCG10), fmt.Sprintf("%.4f", r.MRR), fmt.Sprintf("%+.2f%%", 100*r.DeltaRel),
			fmt.Sprintf("%.3f", r.Top10), fmt.Sprintf("%.5f", r.AbsLogitDiff)})
	}
	writeTable(&b, rows)
	section(fmt.Sprintf("GSU speed per target (one run; variants interleaved, lowest mean of %d batches)", timingRounds))
	rows = [][]string{{"where", "L", "GSU", "µs", "vs exact merged", "vs exact per head"}}
	for _, r := range rep.Speed {
		rows = append(rows, []string{r.Where, fmt.Sprint(r.L), r.Variant, fmt.Sprintf("%.1f", r.Micros),
			fmt.Sprintf("%.2f×", r.VsExactMerged), fmt.Sprintf("%.2f×", r.VsExactPerHead)})
	}
	writeTable(&b, rows)
	if len(rep.Kernels) > 0 {
		section("4-bit scan kernel against the reference, inside wasm (wazero compiler)")
		rows = [][]string{{"L", "m", "kernel", "µs", "G lookups/s", "vs reference", "sums correct"}}
		for _, r := range rep.Kernels {
			rows = append(rows, []string{fmt.Sprint(r.L), fmt.Sprint(r.M), r.Kernel, fmt.Sprintf("%.1f", r.Micros),
				fmt.Sprintf("%.2f", r.GLookups), fmt.Sprintf("%.2f×", r.VsReference), fmt.Sprint(r.MatchesNaive)})
		}
		writeTable(&b, rows)
	}
	section("Targets")
	rows = [][]string{{"target", "measured", ""}}
	for _, t := range rep.Targets {
		verdict := "missed"
		if t.Met {
			verdict = "met"
		}
		rows = append(rows, []string{t.Target, t.Measured, verdict})
	}
	writeTable(&b, rows)
	fmt.Fprintf(&b, "\nstudy took %.0f s\n", rep.Seconds)
	return b.String()
}

// The lines that enclose the region of a Markdown file that --markdown rewrites.
const (
	markdownBegin = "<!-- seminar study: begin -->"
	markdownEnd   = "<!-- seminar study: end -->"
)

// markdown renders the report for a Markdown page: how it was made, then the tables as text.
func (rep *studyReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Written by `%s`, run from the repository root with %s in %.0f s.\n\n", rep.Command,
		rep.Machine.GoVersion, rep.Seconds)
	b.WriteString("```text" + rep.text() + "```\n")
	return b.String()
}

// writeMarkdownRegion replaces the region of the Markdown file at path between its marker lines
// with content.
func writeMarkdownRegion(path, content string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := replaceMarkdownRegion(string(b), content)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(doc), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// replaceMarkdownRegion returns doc with the lines between its lines markdownBegin and
// markdownEnd, each of which it must hold once and in that order, replaced by content.
func replaceMarkdownRegion(doc, content string) (string, error) {
	lines := strings.SplitAfter(doc, "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case markdownBegin:
			if begin >= 0 {
				return "", errors.New("the line " + markdownBegin + " appears twice")
			}
			begin = i
		case markdownEnd:
			if end >= 0 {
				return "", errors.New("the line " + markdownEnd + " appears twice")
			}
			end = i
		}
	}
	if begin < 0 || end < begin {
		return "", errors.New("no region between the lines " + markdownBegin + " and " + markdownEnd)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return strings.Join(lines[:begin+1], "") + content + strings.Join(lines[end:], ""), nil
}
