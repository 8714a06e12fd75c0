package host

import (
	"context"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/data"
)

// Event is one step of a user's history as the module receives it (docs/abi.md, "Event").
// Item's attributes travel as {f, v} maps, which the module accepts beside [field, value].
type Event struct {
	Time  int64     `msgpack:"t"` // Unix seconds; events come in time order
	Kind  data.Kind `msgpack:"k"`
	Query string    `msgpack:"q,omitempty"` // empty for data.Browse
	Item  data.Item `msgpack:"item"`
}

// StoreOptions say what the module keeps of loaded events besides their codes.
type StoreOptions struct {
	// Exact keeps every event's float32 vector (4·d bytes per event), which exact ranking
	// (RankOptions.Bits 0) needs. A model without a product-quantization codec always keeps
	// them.
	Exact bool `msgpack:"exact"`
	// Int8 keeps an int8 copy of every event vector (d+4 bytes per event), for the refine
	// step and the ESU (RankOptions.Refine, RankOptions.ESU).
	Int8 bool `msgpack:"int8"`
}

// Sources of event vectors for RankOptions.Refine and RankOptions.ESU.
const (
	FromCodes = 0 // decoded from the codes
	FromInt8  = 1 // the int8 copy (StoreOptions.Int8)
)

// Retrieval over the model's heads, for RankOptions.Heads.
const (
	MergedHeads = 0 // one retrieval vector per candidate, the sum over heads
	PerHead     = 1 // one per head, the union of their top K
)

// RankOptions are the knobs of a rank request (docs/abi.md, "rank").
type RankOptions struct {
	K         int `msgpack:"k,omitempty"`         // events retrieved per candidate; 0: the model's top K
	Shortlist int `msgpack:"shortlist,omitempty"` // events the 4-bit scan passes to the refine step
	// Bits is the retrieval: 4 or 8 for the product-quantization codes (the model's codec
	// fixes which), 0 for the exact search over float32 vectors (StoreOptions.Exact).
	Bits    int          `msgpack:"bits"`
	Heads   int          `msgpack:"heads,omitempty"`  // MergedHeads or PerHead
	Refine  int          `msgpack:"refine,omitempty"` // FromCodes or FromInt8
	ESU     int          `msgpack:"esu,omitempty"`    // FromCodes or FromInt8
	Weights *PartWeights `msgpack:"weights,omitempty"`
}

// PartWeights weigh the parts of the event vectors in retrieval (PQ modes only).
type PartWeights struct {
	Query float32 `msgpack:"query"`
	ID    float32 `msgpack:"id"`
	Text  float32 `msgpack:"text"`
	Attrs float32 `msgpack:"attrs"`
	Dense float32 `msgpack:"dense"`
}

// RankRequest asks the module to order candidate items for the current query.
type RankRequest struct {
	Query      string      `msgpack:"query,omitempty"`
	Kind       data.Kind   `msgpack:"kind"` // data.Search with a query, data.Browse for a feed
	Candidates []data.Item `msgpack:"candidates"`
	Options    RankOptions `msgpack:"options"`
}

// RankReply is the module's answer to a RankRequest.
type RankReply struct {
	Order   []int32   `msgpack:"order"`  // candidate indices, best first (ties by lower index)
	Scores  []float32 `msgpack:"scores"` // logit of each candidate, in request order
	Bits    int       `msgpack:"bits"`   // the retrieval that ran
	Timings Timings   `msgpack:"timings"`
}

// Timings say where the module spent a rank call, in microseconds.
type Timings struct {
	Total float64 `msgpack:"total_us"`
	LUT   float64 `msgpack:"lut_us"`  // target vectors, folded queries, lookup tables
	Scan  float64 `msgpack:"scan_us"` // scoring every event
	TopK  float64 `msgpack:"topk_us"` // top-K selection and refine
	ESU   float64 `msgpack:"esu_us"`  // exact attention and MLP over the kept events
}

// ModelInfo describes a loaded model.
type ModelInfo struct {
	Dim           int   `msgpack:"dim"`
	Heads         int   `msgpack:"heads"`
	TopK          int   `msgpack:"top_k"`
	DenseDims     []int `msgpack:"dense_dims"`
	Bits          int   `msgpack:"bits"` // of the codec; 0 when the model file has none
	CodesPerEvent int   `msgpack:"codes_per_event"`
	BytesPerEvent int   `msgpack:"bytes_per_event"` // of the event store, without the int8 copy
}

type eventCount struct {
	Events int `msgpack:"events"`
}

// loadEventsRequest is load_events' map form; Events must stay the last field (the ABI wants
// the events key last, so that the module can check everything else first).
type loadEventsRequest struct {
	StoreOptions
	Events []Event `msgpack:"events"`
}

// Ranker is the typed API over the request exports of one Instance: it encodes requests and
// decodes replies with msgpack/v5. Like its Instance, it is not safe for concurrent use.
type Ranker struct {
	inst *Instance
}

// NewRanker returns a Ranker over inst.
func NewRanker(inst *Instance) *Ranker { return &Ranker{inst: inst} }

// Instance returns the Ranker's instance.
func (r *Ranker) Instance() *Instance { return r.inst }

// LoadModel loads a model file (with its "pq" codec section, if any) into the instance,
// dropping the events held.
func (r *Ranker) LoadModel(ctx context.Context, file []byte) (ModelInfo, error) {
	var info ModelInfo
	err := r.request(ctx, r.inst.x.loadModel, file, &info)
	return info, err
}

// LoadEvents replaces the events the instance holds and returns their number.
func (r *Ranker) LoadEvents(ctx context.Context, events []Event, opts StoreOptions) (int, error) {
	return r.events(ctx, r.inst.x.loadEvents, loadEventsRequest{StoreOptions: opts, Events: nonNil(events)})
}

// AppendEvents adds events after those held and returns the number held.
func (r *Ranker) AppendEvents(ctx context.Context, events []Event) (int, error) {
	return r.events(ctx, r.inst.x.appendEvents, nonNil(events))
}

func nonNil(events []Event) []Event {
	if events == nil {
		return []Event{}
	}
	return events
}

func (r *Ranker) events(ctx context.Context, e export, msg any) (int, error) {
	b, err := msgpack.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("host: %s: encode: %w", e.name, err)
	}
	var n eventCount
	err = r.request(ctx, e, b, &n)
	return n.Events, err
}

// Rank orders the request's candidates for the user whose events the instance holds.
func (r *Ranker) Rank(ctx context.Context, req RankRequest) (RankReply, error) {
	var reply RankReply
	if req.Candidates == nil {
		req.Candidates = []data.Item{}
	}
	b, err := msgpack.Marshal(&req)
	if err != nil {
		return reply, fmt.Errorf("host: rank: encode: %w", err)
	}
	err = r.request(ctx, r.inst.x.rank, b, &reply)
	return reply, err
}

// StoreBytes returns the binary form of the instance's event store, which LoadStore takes
// back: what a device persists between sessions.
func (r *Ranker) StoreBytes(ctx context.Context) ([]byte, error) {
	i := r.inst
	if err := i.callStatus(ctx, i.x.storeBytes, 0, 0); err != nil {
		return nil, err
	}
	reply, err := i.reply()
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), reply...), nil
}

// LoadStore replaces the events the instance holds with a store's binary form and returns
// their number. Exact vectors are not part of it: exact ranking needs LoadEvents.
func (r *Ranker) LoadStore(ctx context.Context, store []byte) (int, error) {
	var n eventCount
	err := r.request(ctx, r.inst.x.loadStore, store, &n)
	return n.Events, err
}

// request copies in into the module, calls e and decodes its MessagePack reply into out.
func (r *Ranker) request(ctx context.Context, e export, in []byte, out any) error {
	i := r.inst
	if uint64(len(in)) > math.MaxUint32 {
		return fmt.Errorf("host: %s: %d bytes do not fit the module's memory", e.name, len(in))
	}
	n := uint32(len(in))
	ptr, buf, err := i.input(ctx, n)
	if err != nil {
		return err
	}
	copy(buf, in)
	if err = i.callStatus(ctx, e, ptr, n); err == nil {
		var reply []byte
		if reply, err = i.reply(); err == nil {
			if derr := msgpack.Unmarshal(reply, out); derr != nil {
				err = i.broke(e.name, fmt.Errorf("undecodable reply: %w", derr))
			}
		}
	}
	if ferr := i.release(ctx, ptr); err == nil {
		err = ferr
	}
	return err
}

// ModelSetup returns a PoolOptions.Setup that loads a model file into every instance the pool
// makes, including those that replace a broken one.
func ModelSetup(file []byte) func(context.Context, *Instance) error {
	return func(ctx context.Context, inst *Instance) error {
		_, err := NewRanker(inst).LoadModel(ctx, file)
		return err
	}
}

// History is one user's events as a server receives them with a request: the binary form of
// the device's event store (Ranker.StoreBytes), or the events themselves.
type History struct {
	Store   []byte       // if set, Events and Options are ignored
	Events  []Event      // loaded with Options when Store is nil
	Options StoreOptions // for Events
}

// Rank ranks for one user on a pool whose instances hold the model (see ModelSetup): it takes
// an instance, loads the user's history into it — replacing whatever the previous user left
// there — ranks and gives the instance back. Per-user state never outlives the call, so any
// instance can serve any user.
func (p *Pool) Rank(ctx context.Context, h History, req RankRequest) (RankReply, error) {
	var reply RankReply
	err := p.Do(ctx, func(inst *Instance) error {
		r := NewRanker(inst)
		var err error
		if h.Store != nil {
			_, err = r.LoadStore(ctx, h.Store)
		} else {
			_, err = r.LoadEvents(ctx, h.Events, h.Options)
		}
		if err != nil {
			return err
		}
		reply, err = r.Rank(ctx, req)
		return err
	})
	return reply, err
}
