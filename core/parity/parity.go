package parity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/session"
)

// Tolerance bounds |got − want| of a score, relative to max(1, |want|). Retrieval is
// bit-exact everywhere (the 4-bit scan sums uint8 table entries in integers; the 8-bit and
// exact scans keep the same events), so scores differ only by the summation order of the
// float32 dot products in the ESU and MLP, which SIMD kernels change: ~1e-6 relative. 1e-5
// leaves room for another platform's rounding (an FMA) without hiding a real change.
const Tolerance = 1e-5

// Case is one rank request against the fixture's events, with the model file it runs on and
// the expected reply.
type Case struct {
	Name    string          `json:"name"`
	Model   string          `json:"model"` // file name in the fixture directory
	Request abi.RankRequest `json:"request"`
	Order   []int32         `json:"order"`
	Scores  []float32       `json:"scores"`
}

// Fixture is cases.json.
type Fixture struct {
	Tolerance float64 `json:"tolerance"`
	// Events are loaded with exact vectors kept (load_events {exact: true}), so that every
	// case can run.
	Events []abi.Event `json:"events"`
	Cases  []Case      `json:"cases"`
}

// Files of the fixture directory.
const (
	CasesFile = "cases.json"
	Model4    = "model-4bit.seminar"
	Model8    = "model-8bit.seminar"
)

// Dir returns testdata/parity of the repository that contains the working directory.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("parity: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "parity"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("parity: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Load reads the fixture and its model files from dir. Unknown keys are errors, so that a
// fixture written for other messages fails here.
func Load(dir string) (*Fixture, map[string][]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, CasesFile))
	if err != nil {
		return nil, nil, fmt.Errorf("parity: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, nil, err
	}
	models := make(map[string][]byte)
	for _, name := range []string{Model4, Model8} {
		if models[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, nil, fmt.Errorf("parity: %w", err)
		}
	}
	return f, models, nil
}

// Parse decodes cases.json, rejecting unknown keys.
func Parse(b []byte) (*Fixture, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f Fixture
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parity: %s: %w", CasesFile, err)
	}
	return &f, nil
}

// Compare checks a runner's order and scores against the case's.
func (c *Case) Compare(order []int32, scores []float32) error {
	if !slices.Equal(order, c.Order) {
		return fmt.Errorf("%s: order %v, want %v", c.Name, order, c.Order)
	}
	if len(scores) != len(c.Scores) {
		return fmt.Errorf("%s: %d scores, want %d", c.Name, len(scores), len(c.Scores))
	}
	for i, s := range scores {
		want := c.Scores[i]
		if diff := math.Abs(float64(s - want)); diff > Tolerance*max(1, math.Abs(float64(want))) {
			return fmt.Errorf("%s: score %d is %v, want %v (difference %.3g)", c.Name, i, s, want, diff)
		}
	}
	return nil
}

// RelDiff returns the largest |got − want| / max(1, |want|) over the case's scores.
func (c *Case) RelDiff(scores []float32) float64 {
	var worst float64
	for i, s := range scores[:min(len(scores), len(c.Scores))] {
		want := float64(c.Scores[i])
		worst = max(worst, math.Abs(float64(s)-want)/max(1, math.Abs(want)))
	}
	return worst
}

// Runner is what the fixture runs on: a native session, the module through the Go host, or
// another embedder.
type Runner interface {
	LoadModel(ctx context.Context, file []byte) error
	LoadEvents(ctx context.Context, events []abi.Event, opts abi.StoreOptions) error
	Rank(ctx context.Context, req *abi.RankRequest) (order []int32, scores []float32, err error)
}

// Check runs every case on r and compares. It returns the largest relative score difference.
func Check(ctx context.Context, r Runner, f *Fixture, models map[string][]byte) (float64, error) {
	var worst float64
	var errs []error
	loaded := ""
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Model != loaded {
			if err := r.LoadModel(ctx, models[c.Model]); err != nil {
				return worst, fmt.Errorf("parity: %s: %w", c.Model, err)
			}
			if err := r.LoadEvents(ctx, f.Events, abi.StoreOptions{Exact: true}); err != nil {
				return worst, fmt.Errorf("parity: %s: %w", c.Model, err)
			}
			loaded = c.Model
		}
		order, scores, err := r.Rank(ctx, &c.Request)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		errs = append(errs, c.Compare(order, scores))
		worst = max(worst, c.RelDiff(scores))
	}
	return worst, errors.Join(errs...)
}

// Native is a Runner over a core session: native core, no module.
type Native struct{ s session.Session }

// LoadModel loads a model file.
func (n *Native) LoadModel(_ context.Context, file []byte) error {
	_, err := n.s.LoadModel(file)
	return err
}

// LoadEvents replaces the events.
func (n *Native) LoadEvents(_ context.Context, events []abi.Event, opts abi.StoreOptions) error {
	_, err := n.s.LoadEvents(opts, session.Slice(events))
	return err
}

// Rank ranks a request.
func (n *Native) Rank(_ context.Context, req *abi.RankRequest) ([]int32, []float32, error) {
	var rep abi.RankReply
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	err := n.s.Rank(req, &rep)
	return rep.Order, rep.Scores, err
}

// Generate writes a new fixture to dir: a small random model with 4-bit and 8-bit codecs
// trained on a generated user's events, the cases, and their expected rankings from native
// core.
func Generate(dir string) error {
	sc := synth.DefaultConfig()
	sc.Seed, sc.Users, sc.Items, sc.MinEvents, sc.MaxEvents, sc.DenseDim = 11, 1, 60, 300, 300, 8
	sc.Interests = min(sc.Interests, sc.Items)
	sc.UserInterests = min(sc.UserInterests, sc.Interests)
	ds, err := synth.Generate(sc)
	if err != nil {
		return fmt.Errorf("parity: %w", err)
	}
	m, err := model.New(model.Config{
		Dim: 16, Heads: 2, TopK: 8, IDBuckets: 127, TokenBuckets: 251, AttrBuckets: 31,
		DenseDims: []int{sc.DenseDim}, MLPHidden: []int{16}, AgeBuckets: 8, Seed: 5,
	})
	if err != nil {
		return fmt.Errorf("parity: %w", err)
	}
	// Age biases as large as a trained model's, so that an event read at the wrong age moves
	// the fixtures' scores.
	r := rand.New(rand.NewPCG(5, 8))
	for i := range m.Params.ESUAge {
		m.Params.ESUAge[i] = float32(r.NormFloat64())
	}
	f := &Fixture{Tolerance: Tolerance}
	evs := make([]retrieval.Event, len(ds.Users[0].Events))
	for j, e := range ds.Users[0].Events {
		it := &ds.Items[e.Item]
		f.Events = append(f.Events, abi.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: *it})
		evs[j] = retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: it}
	}
	models := map[string][]byte{}
	// The 4-bit model carries the default two-stage codec (s in d/2 sub-spaces, fine codes in
	// d/4); the 8-bit one the compact layout.
	for _, mf := range []struct {
		name            string
		bits, sub, fine int
	}{{Model4, 4, m.Dim() / 2, m.Dim() / 4}, {Model8, 8, m.Dim(), 0}} {
		specs, err := retrieval.ParseLayout(retrieval.LayoutCompact, mf.sub)
		if err != nil {
			return fmt.Errorf("parity: %w", err)
		}
		codec, err := retrieval.TrainCodec(context.Background(), m, evs, retrieval.TrainOptions{
			Layout: specs, Bits: mf.bits, Fine: mf.fine, KMeans: pq.KMeansOptions{Seed: 3, MaxIter: 20},
		})
		if err != nil {
			return fmt.Errorf("parity: %w", err)
		}
		sec, err := codec.MarshalBinary()
		if err != nil {
			return fmt.Errorf("parity: %w", err)
		}
		if models[mf.name], err = modelfile.Marshal(m, map[string][]byte{retrieval.Section: sec}); err != nil {
			return fmt.Errorf("parity: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, mf.name), models[mf.name], 0o644); err != nil {
			return fmt.Errorf("parity: %w", err)
		}
	}
	search := make([]abi.Item, 12)
	for i := range search {
		search[i] = ds.Items[(i*7+3)%len(ds.Items)]
	}
	query := ds.Users[0].Events[len(ds.Users[0].Events)-1].Query
	if query == "" {
		query = "query"
	}
	req := func(q string, o abi.RankOptions) abi.RankRequest {
		return abi.RankRequest{Query: q, Candidates: search, Options: o}
	}
	f.Cases = []Case{
		{Name: "exact merged heads", Model: Model4, Request: req(query, abi.RankOptions{Exact: true})},
		{Name: "exact per head", Model: Model4, Request: req(query, abi.RankOptions{Exact: true, Heads: abi.PerHead})},
		{Name: "exact feed k=16", Model: Model8, Request: req("", abi.RankOptions{Exact: true, K: 16})},
		{Name: "8-bit", Model: Model8, Request: req(query, abi.RankOptions{Bits: abi.Bits8})},
		{Name: "8-bit per head", Model: Model8, Request: req(query, abi.RankOptions{Heads: abi.PerHead})},
		{Name: "4-bit defaults", Model: Model4, Request: req(query, abi.RankOptions{})},
		{Name: "4-bit feed k=12", Model: Model4, Request: req("", abi.RankOptions{Bits: abi.Bits4, K: 12})},
		{Name: "4-bit shortlist, query weighed up", Model: Model4,
			Request: req(query, abi.RankOptions{Shortlist: 32, Weights: abi.PartWeights{abi.PartQuery: 2}})},
		{Name: "4-bit coarse refine and ESU, query weighed down", Model: Model4,
			Request: req(query, abi.RankOptions{Refine: abi.SourceCoarse, ESU: abi.SourceCoarse,
				Weights: abi.PartWeights{abi.PartQuery: 0.5}})},
	}
	ctx := context.Background()
	var n Native
	for i := range f.Cases {
		c := &f.Cases[i]
		if err := n.LoadModel(ctx, models[c.Model]); err != nil {
			return fmt.Errorf("parity: %s: %w", c.Name, err)
		}
		if err := n.LoadEvents(ctx, f.Events, abi.StoreOptions{Exact: true}); err != nil {
			return fmt.Errorf("parity: %s: %w", c.Name, err)
		}
		order, scores, err := n.Rank(ctx, &c.Request)
		if err != nil {
			return fmt.Errorf("parity: %s: %w", c.Name, err)
		}
		c.Order, c.Scores = slices.Clone(order), slices.Clone(scores)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("parity: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, CasesFile), append(b, '\n'), 0o644)
}
