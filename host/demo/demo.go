package demo

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
)

// Progress shows training as it goes. Note ends the current stage's display and writes a line.
type Progress interface {
	Update(suite.Progress)
	Note(msg string)
	Finish()
}

// Options configure a Job.
type Options struct {
	DataDir    string // holds the public datasets; "" for ../shared/data beside the repository
	Generated  bool   // use generated data even when MovieLens-100K is present
	CacheDir   string // keeps the trained model and the compiled module (see DefaultCacheDir)
	Retrain    bool   // train even when a cached model exists
	User       string // id of the user to rank for; "" for the one with the longest history
	Candidates int    // to rerank, the held-out item included: 2 to 200
	EvalUsers  int    // users over whom the held-out item's rank is summarised
	Seed       uint64 // of training, the codec and the candidates
	Modules    string // folder of seminar.wasm and seminar-scalar.wasm; "" for the built-in ones
	Progress   Progress
	Log        io.Writer // notes, such as a cached model that did not load; nil discards them
}

// Job is one run of the demo.
type Job struct {
	opts     Options
	Spec     *suite.Spec
	DataNote string // where the data came from
}

// NewJob checks opts and picks the dataset.
func NewJob(opts Options) (*Job, error) {
	if opts.Candidates < 2 || opts.Candidates > 200 {
		return nil, fmt.Errorf("--candidates %d: want 2 to 200", opts.Candidates)
	}
	if opts.Progress == nil {
		opts.Progress = noProgress{}
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	spec, note, err := LoadSpec(opts.DataDir, opts.Generated)
	if err != nil {
		return nil, err
	}
	return &Job{opts: opts, Spec: spec, DataNote: note}, nil
}

type noProgress struct{}

func (noProgress) Update(suite.Progress) {}
func (noProgress) Note(string)           {}
func (noProgress) Finish()               {}

// LoadSpec picks the dataset: MovieLens-100K with a training budget of about a minute, or the
// generated one when generated asks for it or the public data is not in its default place.
func LoadSpec(dataDir string, generated bool) (*suite.Spec, string, error) {
	if !generated {
		dir, err := movieLensDir(dataDir)
		if err != nil {
			return nil, "", err
		}
		if dir != "" {
			spec, err := suite.LoadSpec("ml-100k", dataDir, suite.Full)
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
	if !generated {
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

// DefaultCacheDir is dir, or the user's cache folder's "seminar" when dir is empty.
func DefaultCacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (%w): pass --cache-dir", err)
	}
	return filepath.Join(base, "seminar"), nil
}

// FindCase returns the test case of the user with the given id, or of the user with the
// longest history when userID is empty.
func FindCase(task *eval.Task, userID string) (eval.Case, error) {
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

// Candidates returns the case's held-out item and n−1 items its user never interacted with,
// in an order drawn from the seed: the module breaks ties by position, so the held-out item
// must not always come first.
func Candidates(d *data.Dataset, c eval.Case, n int, seed uint64) ([]int32, error) {
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
