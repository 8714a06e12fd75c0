package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// Ranker is the typed API over the request exports of one Instance. It encodes requests and
// decodes replies with core/abi's codec, the module's own, reusing its buffers from call to
// call. Like its Instance, it is not safe for concurrent use.
type Ranker struct {
	inst  *Instance
	dec   abi.Decoder
	buf   []byte // the request being encoded
	event []byte // one event, encoded
	info  abi.ModelInfo
	// chunk is the most request bytes one load_events or append_events call carries; loads
	// over it are split. It is abi.MaxRequestBytes but in tests.
	chunk int
}

// NewRanker returns a Ranker over inst.
func NewRanker(inst *Instance) *Ranker { return &Ranker{inst: inst, chunk: abi.MaxRequestBytes} }

// Instance returns the Ranker's instance.
func (r *Ranker) Instance() *Instance { return r.inst }

// LoadModel loads a model file (with its "pq" codec section, if any) into the instance. The
// instance then holds an empty history, kept with the default StoreOptions.
func (r *Ranker) LoadModel(ctx context.Context, file []byte) (abi.ModelInfo, error) {
	var info abi.ModelInfo
	err := r.request(ctx, r.inst.x.loadModel, file, func(b []byte) error { return r.dec.ModelInfo(b, &info) })
	if err == nil {
		r.info = info
	}
	return info, err
}

// LoadEvents replaces the events the instance holds, kept as opts says, and returns their
// number. A history over the module's per-call limit (abi.MaxRequestBytes of MessagePack) is
// loaded in several calls; should a later call fail, the instance holds no events.
func (r *Ranker) LoadEvents(ctx context.Context, events []abi.Event, opts abi.StoreOptions) (int, error) {
	return r.events(ctx, events, &opts)
}

// AppendEvents adds events after those held and returns the number held. It works on a fresh
// instance too (after LoadModel, the history is empty). Appends over the per-call limit are
// split; should a later call fail, the events appended by the earlier ones are dropped again,
// so that a failed append changes nothing.
func (r *Ranker) AppendEvents(ctx context.Context, events []abi.Event) (int, error) {
	return r.events(ctx, events, nil)
}

// events loads (opts set) or appends events in calls of at most r.chunk bytes.
func (r *Ranker) events(ctx context.Context, events []abi.Event, opts *abi.StoreOptions) (int, error) {
	const headerRoom = 64 // the map or array header of a call
	var (
		held   = -1 // events held before the first call, once known
		n      int
		sent   int // events sent so far
		err    error
		pend   []byte // encoded events of the next call
		npend  int
		first  = true
		export = r.inst.x.appendEvents
	)
	flush := func() error {
		w := msgp.NewWriter(r.buf[:0])
		if first && opts != nil {
			export = r.inst.x.loadEvents
			o := *opts
			w.WriteMapHeader(1 + btoi(o.Exact) + btoi(o.Int8) + btoi(o.SkipFine))
			writeFlag(w, "exact", o.Exact)
			writeFlag(w, "int8", o.Int8)
			writeFlag(w, "skip_fine", o.SkipFine)
			w.WriteString("events")
		} else {
			export = r.inst.x.appendEvents
		}
		w.WriteArrayHeader(npend)
		w.WriteRaw(pend)
		r.buf = w.Bytes()
		if werr := w.Err(); werr != nil {
			return fmt.Errorf("host: %s: encode: %w", export.name, werr)
		}
		count, cerr := r.count(ctx, export, r.buf)
		if cerr != nil {
			return atEvent(cerr, sent)
		}
		if held < 0 {
			held = count - npend
		}
		n, sent, first, pend, npend = count, sent+npend, false, pend[:0], 0
		return nil
	}
	for j := range events {
		w := msgp.NewWriter(r.event[:0])
		abi.AppendEvent(w, &events[j])
		r.event = w.Bytes()
		if len(r.event)+headerRoom > r.chunk {
			err = fmt.Errorf("host: event %d takes %d bytes, more than one call carries", j, len(r.event))
			break
		}
		if len(pend)+len(r.event)+headerRoom > r.chunk {
			if err = flush(); err != nil {
				break
			}
		}
		pend = append(pend, r.event...)
		npend++
	}
	if err == nil && (npend > 0 || first) {
		err = flush()
	}
	if err != nil && !first {
		// A later call failed: take back what the earlier ones added.
		if _, terr := r.TruncateEvents(ctx, max(held, 0)); terr != nil {
			err = errors.Join(err, terr)
		}
	}
	return n, err
}

// atEvent says which event a split load's call started at, when it was not the first.
func atEvent(err error, start int) error {
	if start == 0 {
		return err
	}
	return fmt.Errorf("host: the call carrying events %d on: %w", start, err)
}

func writeFlag(w *msgp.Writer, k string, v bool) {
	if v {
		w.WriteString(k)
		w.WriteBool(true)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TruncateEvents keeps the first n events held and returns their number.
func (r *Ranker) TruncateEvents(ctx context.Context, n int) (int, error) {
	if n < 0 || n > abi.MaxEvents {
		return 0, fmt.Errorf("host: truncate_events: %d events is out of range", n)
	}
	i := r.inst
	if err := i.callStatus(ctx, i.x.truncateEvents, uint32(n), 0); err != nil {
		return 0, err
	}
	return r.replyCount(i.x.truncateEvents)
}

// Rank orders the request's candidates for the user whose events the instance holds. The
// request is checked first (abi.RankRequest.Validate), as the module would check it.
func (r *Ranker) Rank(ctx context.Context, req *abi.RankRequest) (abi.RankReply, error) {
	var reply abi.RankReply
	if err := req.Validate(); err != nil {
		return reply, &StatusError{Export: "rank", Status: abi.StatusBadInput, Message: "rank: " + err.Error()}
	}
	w := msgp.NewWriter(r.buf[:0])
	abi.AppendRankRequest(w, req)
	r.buf = w.Bytes()
	if err := w.Err(); err != nil {
		return reply, fmt.Errorf("host: rank: encode: %w", err)
	}
	err := r.request(ctx, r.inst.x.rank, r.buf, func(b []byte) error { return r.dec.RankReply(b, &reply) })
	return reply, err
}

// StoreBytes returns the binary form of the instance's event store, which LoadStore takes
// back: what a device persists between sessions.
func (r *Ranker) StoreBytes(ctx context.Context) ([]byte, error) {
	return r.store(ctx, r.inst.x.storeBytes, 0)
}

// StoreSegment returns the binary form of the events from index from on: what an append
// added, for a device or a server to persist beside its snapshot; AppendStore takes it back.
func (r *Ranker) StoreSegment(ctx context.Context, from int) ([]byte, error) {
	if from < 0 || from > abi.MaxEvents {
		return nil, fmt.Errorf("host: store_segment: from %d is out of range", from)
	}
	return r.store(ctx, r.inst.x.storeSegment, uint32(from))
}

func (r *Ranker) store(ctx context.Context, e export, from uint32) ([]byte, error) {
	i := r.inst
	if err := i.callStatus(ctx, e, from, 0); err != nil {
		return nil, err
	}
	reply, err := i.reply()
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), reply...), nil
}

// LoadStore replaces the events the instance holds with a store's binary form and returns
// their number. Exact vectors are not part of it: exact search needs LoadEvents.
func (r *Ranker) LoadStore(ctx context.Context, store []byte) (int, error) {
	return r.count(ctx, r.inst.x.loadStore, store)
}

// AppendStore appends the events of a store's binary form (a segment, or a whole store)
// after those held and returns the number held.
func (r *Ranker) AppendStore(ctx context.Context, store []byte) (int, error) {
	return r.count(ctx, r.inst.x.appendStore, store)
}

func (r *Ranker) count(ctx context.Context, e export, in []byte) (int, error) {
	var n int
	err := r.request(ctx, e, in, func(b []byte) (err error) {
		n, err = r.dec.EventCount(b)
		return err
	})
	return n, err
}

func (r *Ranker) replyCount(e export) (int, error) {
	reply, err := r.inst.reply()
	if err != nil {
		return 0, err
	}
	n, err := r.dec.EventCount(reply)
	if err != nil {
		return 0, r.inst.broke(e.name, fmt.Errorf("undecodable reply: %w", err))
	}
	return n, nil
}

// request copies in into the module, calls e and decodes its reply with decode.
func (r *Ranker) request(ctx context.Context, e export, in []byte, decode func([]byte) error) error {
	i := r.inst
	if uint64(len(in)) > 1<<32-1 {
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
			if derr := decode(reply); derr != nil {
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

// History is one user's events as a server receives or keeps them: a store snapshot and the
// segments appended after it (Ranker.StoreBytes, Ranker.StoreSegment), or the events
// themselves.
type History struct {
	Store    []byte      // if set, Events and Options are ignored
	Segments [][]byte    // appended after Store, in order
	Events   []abi.Event // loaded with Options when Store is nil
	Options  abi.StoreOptions
}

// Load replaces the events r's instance holds with h and returns their number.
func (r *Ranker) Load(ctx context.Context, h History) (int, error) {
	if h.Store == nil {
		return r.LoadEvents(ctx, h.Events, h.Options)
	}
	n, err := r.LoadStore(ctx, h.Store)
	for k, seg := range h.Segments {
		if err != nil {
			break
		}
		if n, err = r.AppendStore(ctx, seg); err != nil {
			err = fmt.Errorf("host: segment %d: %w", k, err)
		}
	}
	return n, err
}

// Rank ranks for one user on a pool whose instances hold the model (see ModelSetup): it takes
// an instance, loads the user's history into it — replacing whatever the previous user left
// there — ranks and gives the instance back. Per-user state never outlives the call, so any
// instance can serve any user.
func (p *Pool) Rank(ctx context.Context, h History, req *abi.RankRequest) (abi.RankReply, error) {
	var reply abi.RankReply
	err := p.Do(ctx, func(inst *Instance) error {
		r := NewRanker(inst)
		if _, err := r.Load(ctx, h); err != nil {
			return err
		}
		var err error
		reply, err = r.Rank(ctx, req)
		return err
	})
	return reply, err
}
