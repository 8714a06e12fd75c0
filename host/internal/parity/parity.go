// Package parity holds the golden rankings that every runner of the scoring model must
// reproduce — native core, the SIMD and scalar modules through the Go host, and other
// embedders (web/test) — and the code that generates them from native core and checks a
// runner against them.
//
// The fixtures live in testdata/parity: model-4bit.seminar and model-8bit.seminar (one small
// random model, with a 4-bit and an 8-bit product-quantization codec trained on the events)
// and cases.json (the events, the rank requests and their expected orders and scores, in the
// ABI's field names, so that a JavaScript test reads them as they are).
package parity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
)

// Tolerance bounds |got − want| of a score, relative to max(1, |want|). Retrieval is
// bit-exact everywhere (the 4-bit scan sums uint8 table entries in integers; the 8-bit and
// exact scans were checked to keep the same events), so scores differ only by the summation
// order of the float32 dot products in the ESU and MLP, which the SIMD kernels change: a
// few units in the last place of sums of d = 16 to 3d = 48 products, ~1e-6 relative.
// 1e-5 leaves room for another platform's rounding (an FMA) without hiding a real change.
const Tolerance = 1e-5

// Item is an item in the ABI's shape, attributes as [field, value].
type Item struct {
	ID    string      `json:"id"`
	Text  string      `json:"text,omitempty"`
	Attrs [][2]string `json:"attrs,omitempty"`
	Dense [][]float32 `json:"dense,omitempty"`
}

// Event is an event in the ABI's shape.
type Event struct {
	T    int64     `json:"t"`
	K    data.Kind `json:"k"`
	Q    string    `json:"q,omitempty"`
	Item Item      `json:"item"`
}

// Options are a rank request's options in the ABI's shape.
type Options struct {
	K         int                `json:"k,omitempty"`
	Shortlist int                `json:"shortlist,omitempty"`
	Bits      int                `json:"bits"`
	Heads     int                `json:"heads,omitempty"`
	Weights   map[string]float32 `json:"weights,omitempty"`
}

// Case is one rank request against the events, with the model file it runs on and the
// expected reply.
type Case struct {
	Name       string    `json:"name"`
	Model      string    `json:"model"` // file name in the fixture directory
	Query      string    `json:"query,omitempty"`
	Kind       data.Kind `json:"kind"`
	Candidates []Item    `json:"candidates"`
	Options    Options   `json:"options"`
	Order      []int32   `json:"order"`
	Scores     []float32 `json:"scores"`
}

// Fixture is cases.json.
type Fixture struct {
	Tolerance float64 `json:"tolerance"`
	// Events are loaded with exact vectors kept (load_events {exact: true}), so that every
	// mode can run.
	Events []Event `json:"events"`
	Cases  []Case  `json:"cases"`
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
		return "", err
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

// Load reads the fixture and its model files from dir.
func Load(dir string) (*Fixture, map[string][]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, CasesFile))
	if err != nil {
		return nil, nil, fmt.Errorf("parity: %w", err)
	}
	var f Fixture
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, nil, fmt.Errorf("parity: %s: %w", CasesFile, err)
	}
	models := make(map[string][]byte)
	for _, name := range []string{Model4, Model8} {
		if models[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, nil, fmt.Errorf("parity: %w", err)
		}
	}
	return &f, models, nil
}

// HostEvents returns the fixture's events as the host sends them.
func (f *Fixture) HostEvents() []host.Event {
	out := make([]host.Event, len(f.Events))
	for j, e := range f.Events {
		out[j] = host.Event{Time: e.T, Kind: e.K, Query: e.Q, Item: e.Item.Data()}
	}
	return out
}

// Data returns the item as core takes it.
func (it Item) Data() data.Item {
	d := data.Item{ID: it.ID, Text: it.Text, Dense: it.Dense}
	for _, a := range it.Attrs {
		d.Attrs = append(d.Attrs, data.Attr{Field: a[0], Value: a[1]})
	}
	return d
}

// Request returns the case as a host rank request.
func (c *Case) Request() host.RankRequest {
	req := host.RankRequest{Query: c.Query, Kind: c.Kind, Options: host.RankOptions{
		K: c.Options.K, Shortlist: c.Options.Shortlist, Bits: c.Options.Bits, Heads: c.Options.Heads,
	}}
	if w := c.Options.Weights; w != nil {
		req.Options.Weights = &host.PartWeights{
			Query: weight(w, "query"), ID: weight(w, "id"), Text: weight(w, "text"),
			Attrs: weight(w, "attrs"), Dense: weight(w, "dense"),
		}
	}
	for _, it := range c.Candidates {
		req.Candidates = append(req.Candidates, it.Data())
	}
	return req
}

func weight(w map[string]float32, part string) float32 {
	if v, ok := w[part]; ok {
		return v
	}
	return 1
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

// CheckRanker runs every case through a host Ranker and compares.
// It returns the largest relative score difference met.
func CheckRanker(ctx context.Context, r *host.Ranker, f *Fixture, models map[string][]byte) (float64, error) {
	events := f.HostEvents()
	var worst float64
	var errs []error
	loaded := ""
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Model != loaded {
			if _, err := r.LoadModel(ctx, models[c.Model]); err != nil {
				return worst, err
			}
			if _, err := r.LoadEvents(ctx, events, host.StoreOptions{Exact: true}); err != nil {
				return worst, err
			}
			loaded = c.Model
		}
		reply, err := r.Rank(ctx, c.Request())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		errs = append(errs, c.Compare(reply.Order, reply.Scores))
		worst = max(worst, c.RelDiff(reply.Scores))
	}
	return worst, errors.Join(errs...)
}

// RankNative ranks a case with native core: the same model file, a Store and an exact
// History built from the fixture's events.
func RankNative(f *Fixture, c *Case, file []byte) (retrieval.Result, error) {
	m, extras, err := modelfile.Load(file)
	if err != nil {
		return retrieval.Result{}, err
	}
	codec, err := retrieval.LoadCodec(m, extras[retrieval.Section])
	if err != nil {
		return retrieval.Result{}, err
	}
	store := retrieval.NewStore(codec, retrieval.StoreOptions{})
	h := m.NewHistory(len(f.Events))
	enc := model.NewEncoder(m)
	for _, e := range f.Events {
		it := e.Item.Data()
		ev := retrieval.Event{Time: e.T, Kind: e.K, Query: e.Q, Item: &it}
		if err := store.Append(ev); err != nil {
			return retrieval.Result{}, err
		}
		if err := enc.AppendEvent(h, e.Q, e.K, &it); err != nil {
			return retrieval.Result{}, err
		}
	}
	items := make([]data.Item, len(c.Candidates))
	cands := make([]retrieval.Candidate, len(c.Candidates))
	for i, it := range c.Candidates {
		items[i] = it.Data()
		cands[i] = retrieval.Candidate{Query: c.Query, Kind: c.Kind, Item: &items[i]}
	}
	opt := retrieval.Options{K: c.Options.K, Shortlist: c.Options.Shortlist, Heads: retrieval.Heads(c.Options.Heads)}
	if w := c.Options.Weights; w != nil {
		opt.Weights = make([]float32, model.NumParts)
		for p := range opt.Weights {
			opt.Weights[p] = weight(w, model.Part(p).String())
		}
	}
	r := retrieval.NewRanker(codec)
	if c.Options.Bits == 0 {
		return r.RankExact(h, cands, opt)
	}
	if c.Options.Bits != codec.Bits() {
		return retrieval.Result{}, fmt.Errorf("%s: bits %d on a %d-bit codec", c.Name, c.Options.Bits, codec.Bits())
	}
	return r.Rank(store, cands, opt)
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
		return err
	}
	m, err := model.New(model.Config{
		Dim: 16, Heads: 2, TopK: 8, IDBuckets: 127, TokenBuckets: 251, AttrBuckets: 31,
		DenseDims: []int{sc.DenseDim}, MLPHidden: []int{16}, Seed: 5,
	})
	if err != nil {
		return err
	}
	f := &Fixture{Tolerance: Tolerance}
	evs := make([]retrieval.Event, len(ds.Users[0].Events))
	for j, e := range ds.Users[0].Events {
		it := &ds.Items[e.Item]
		f.Events = append(f.Events, Event{T: e.Time, K: e.Kind, Q: e.Query, Item: abiItem(it)})
		evs[j] = retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: it}
	}
	// The 4-bit model carries the default two-stage codec (s in d/2 sub-spaces, fine codes in
	// d/4); the 8-bit one the compact layout.
	for _, mf := range []struct {
		name            string
		bits, sub, fine int
	}{{Model4, 4, m.Dim() / 2, m.Dim() / 4}, {Model8, 8, m.Dim(), 0}} {
		specs, err := retrieval.ParseLayout(retrieval.LayoutCompact, mf.sub)
		if err != nil {
			return err
		}
		codec, err := retrieval.TrainCodec(context.Background(), m, evs, retrieval.TrainOptions{
			Layout: specs, Bits: mf.bits, Fine: mf.fine, KMeans: pq.KMeansOptions{Seed: 3, MaxIter: 20},
		})
		if err != nil {
			return err
		}
		sec, err := codec.MarshalBinary()
		if err != nil {
			return err
		}
		b, err := modelfile.Marshal(m, map[string][]byte{retrieval.Section: sec})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, mf.name), b, 0o644); err != nil {
			return err
		}
	}
	search := make([]Item, 12)
	for i := range search {
		search[i] = abiItem(&ds.Items[(i*7+3)%len(ds.Items)])
	}
	query := ds.Users[0].Events[len(ds.Users[0].Events)-1].Query
	if query == "" {
		query = "query"
	}
	boost := map[string]float32{"query": 2, "id": 1, "text": 1, "attrs": 1, "dense": 1}
	f.Cases = []Case{
		{Name: "exact merged heads", Model: Model4, Query: query, Kind: data.Search, Options: Options{Bits: 0}},
		{Name: "exact per head", Model: Model4, Query: query, Kind: data.Search, Options: Options{Bits: 0, Heads: 1}},
		{Name: "exact browse k=16", Model: Model8, Kind: data.Browse, Options: Options{Bits: 0, K: 16}},
		{Name: "8-bit", Model: Model8, Query: query, Kind: data.Search, Options: Options{Bits: 8}},
		{Name: "8-bit per head", Model: Model8, Query: query, Kind: data.Search, Options: Options{Bits: 8, Heads: 1}},
		{Name: "4-bit", Model: Model4, Query: query, Kind: data.Search, Options: Options{Bits: 4}},
		{Name: "4-bit browse", Model: Model4, Kind: data.Browse, Options: Options{Bits: 4, K: 12}},
		{Name: "4-bit shortlist, query weighed up", Model: Model4, Query: query, Kind: data.Search,
			Options: Options{Bits: 4, Shortlist: 32, Weights: boost}},
	}
	models := map[string][]byte{}
	for _, name := range []string{Model4, Model8} {
		if models[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		c.Candidates = search
		res, err := RankNative(f, c, models[c.Model])
		if err != nil {
			return fmt.Errorf("parity: %s: %w", c.Name, err)
		}
		c.Order, c.Scores = slices.Clone(res.Order), slices.Clone(res.Scores)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CasesFile), append(b, '\n'), 0o644)
}

func abiItem(it *data.Item) Item {
	out := Item{ID: it.ID, Text: it.Text, Dense: it.Dense}
	for _, a := range it.Attrs {
		out.Attrs = append(out.Attrs, [2]string{a.Field, a.Value})
	}
	return out
}
