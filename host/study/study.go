package study

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/demo"
)

// The study's fixed choices.
const (
	studySeed       = 1
	synthUsers      = 100 // evaluated users of the generated ranking set
	synthTrainUsers = 10  // further users whose events train the generated set's codebooks
	recallTargets   = 20  // candidates per ml-100k user whose retrieval is compared
	shortlistFactor = 4   // refine shortlists hold this many times K events

	// The candidates of the ranking cases, as every command draws them: 99 negatives, seed 1.
	candidateSeed      = 1
	candidateNegatives = 99

	// synthEpochTargets is about how many targets an epoch of the generated model's training
	// holds: as many as an epoch of seminar demo's MovieLens-100K model.
	synthEpochTargets = 20_000
)

// Long generated histories of one user, for recall and speed at fixed lengths.
var studyLengths = []int{10_000, 100_000}

// Options configure the study.
type Options struct {
	Model      string // model file for ml-100k (its retrieval.Section is used as its 4-bit codec); "" for a random model
	SynthModel string // model file for the generated data; "" for a random model with one dense slot
	Train      bool   // train the Model and SynthModel files that do not exist, and write them there
	Random     bool   // also measure random models of the trained models' configurations
	MLDir      string // folder of the MovieLens 100K files; "" for ../shared/data/ml-100k beside the repository
	Kernels    string // seminar-kernels.wasm to time; "" builds it from ./cmd/seminar-kernels into a temporary folder
	Reference  string // reference kernels; "" for ../shared/reference/fastscan_ref.wasm beside the repository
	Targets    int    // targets per generated long history; 0 for 100
	Workers    int    // goroutines of the ranking evaluation; 0 for GOMAXPROCS
	SkipWasm   bool   // skip the measurements inside wasm
	// LongRanking are the generated users ranked at long histories; nil for longRankSizes, empty
	// (non-nil) to skip the part.
	LongRanking []LongRankSize
	Progress    demo.Progress
	Log         io.Writer // the study's progress lines; nil discards them
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

// Run runs the whole study and returns its report, Command left for the caller to fill in.
func Run(ctx context.Context, opts Options) (*Report, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if opts.Targets == 0 {
		opts.Targets = 100
	}
	if opts.Workers == 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.LongRanking == nil {
		opts.LongRanking = longRankSizes
	}
	start := time.Now()
	rep := &Report{Machine: Machine{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		FastScanSIMDNative: fastscan.SIMD, LoadStart: loadAverage(),
	}}
	sl := &studyLog{w: log, start: time.Now()}
	logf := sl.printf

	logf("ml-100k: converting, encoding and training codebooks")
	ml, err := setupMovieLens(ctx, opts, rep, sl)
	if err != nil {
		return nil, fmt.Errorf("study: ml-100k: %w", err)
	}
	logf("generated data: encoding and training codebooks")
	sy, err := setupSynth(ctx, opts, rep, sl)
	if err != nil {
		return nil, fmt.Errorf("study: generated data: %w", err)
	}
	for _, sd := range slices.Concat(ml, sy) {
		logf("%s, %s model: ranking %d cases", sd.name, sd.kind, len(sd.cases))
		if err := rankingStudy(ctx, sd, opts.Workers, rep); err != nil {
			return nil, err
		}
	}
	for _, sd := range ml {
		logf("ml-100k, %s model: recall", sd.kind)
		if err := recallMovieLens(sd, rep); err != nil {
			return nil, err
		}
	}
	if len(opts.LongRanking) > 0 {
		var ml0 *studyData
		if len(ml) > 0 {
			ml0 = ml[0]
		}
		if err := longRankingStudy(ctx, sy[0], ml0, opts.LongRanking, opts.Workers, rep, logf); err != nil {
			return nil, err
		}
	}
	// The long histories of the first model are kept for the layouts, bytes and speed.
	rep.Primary = sy[0].kind
	long := make([]*longHistory, len(studyLengths))
	for _, sd := range sy {
		for i, n := range studyLengths {
			logf("generated history of %d events, %s model: encoding", n, sd.kind)
			lh, err := newLongHistory(sd, n, opts.Targets)
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
	if !opts.SkipWasm {
		logf("wasm: building and loading the modules")
		if err := wasmStudy(ctx, opts, log, sy[0], long, rep, logf); err != nil {
			return nil, fmt.Errorf("study: wasm: %w", err)
		}
	}
	rep.Machine.LoadEnd = loadAverage()
	rep.judge()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// setupMovieLens converts ml-100k, loads or trains its model (and makes a random one beside it
// when asked), and trains (or loads) the codecs of each on the training sequences of the

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
