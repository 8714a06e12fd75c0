package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/defaults"
	"github.com/seminar-ranker/seminar/host/quantize"
)

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
	setup  Setup
}

// newBenchData makes the model file (with a codec) and the synthetic user: one lifelong history
// of the longest length, whose prefixes are the shorter ones, and candidates drawn from the same
// catalogue.
func newBenchData(ctx context.Context, opts Options, plan Plan) (*benchData, error) {
	d := &benchData{}
	extras := map[string][]byte{}
	modelName := plan.ModelName
	if opts.Model != "" {
		var err error
		if d.model, extras, err = quantize.ReadModel(opts.Model); err != nil {
			return nil, err
		}
		modelName = opts.Model
	} else {
		cfg := plan.Model
		cfg.Seed = opts.Seed
		var err error
		if d.model, err = model.New(cfg); err != nil {
			return nil, err
		}
	}
	cfg := d.model.Config()

	user, err := synth.LongUser(opts.Seed, plan.Items, slices.Max(plan.Lengths))
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
	rng := rand.New(rand.NewPCG(opts.Seed, 0xbe4c))
	for _, i := range rng.Perm(len(items))[:slices.Max(plan.Candidates)] {
		d.cands = append(d.cands, items[i])
	}

	codecNote := "from " + opts.Model
	if sec, ok := extras[retrieval.Section]; ok {
		if d.codec, err = retrieval.LoadCodec(d.model, sec); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.Model, err)
		}
	} else {
		if d.codec, err = benchCodec(ctx, d.model, opts.Seed, plan); err != nil {
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
	d.opts = defaults.RankOptions(cfg.TopK, d.codec.Bits())

	var groups []string
	for _, g := range d.codec.Groups() {
		groups = append(groups, g.String())
	}
	if d.codec.Fine() != nil {
		groups = append(groups, fmt.Sprintf("8-bit fine codes of the residual (%d bytes)", d.codec.FineBytes()))
	}
	d.setup = Setup{
		Model:  fmt.Sprintf("%s: d=%d, %d heads, K=%d, MLP %v", modelName, cfg.Dim, cfg.Heads, cfg.TopK, cfg.MLPHidden),
		Params: cfg.NumParams(), FileBytes: len(d.file),
		Codec: fmt.Sprintf("%d-bit, codebooks %s, %s", d.codec.Bits(), strings.Join(groups, " | "), codecNote),
		Bits:  d.codec.Bits(), CodesPerEvent: d.codec.CodesPerEvent(),
		BytesPerEvent: retrieval.NewStore(d.codec, retrieval.StoreOptions{}).BytesPerEvent(),
		Events: fmt.Sprintf("one synthetic user (core/data/synth.LongUser, seed %d, %d items); shorter histories are "+
			"prefixes of the longest, about one event a minute; search query %q; candidates drawn uniformly from the catalogue", opts.Seed,
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
func benchCodec(ctx context.Context, m *model.Model, seed uint64, plan Plan) (*retrieval.Codec, error) {
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
	return quantize.Train(ctx, m, quantize.Events(ds, others, m),
		quantize.Options{Layout: quantize.TwoStage, Bits: 4, Fine: quantize.FineAuto, Seed: seed})
}
