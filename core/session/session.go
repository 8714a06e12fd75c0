package session

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// Events is a sequence of events that can be walked more than once: every event is checked
// before any is kept. *abi.Events (decoded from the wire one at a time) and Slice implement it.
type Events interface {
	Len() int
	Each(ev *abi.Event, fn func(j int, ev *abi.Event) error) error
}

// Slice is Events over events in memory.
type Slice []abi.Event

// Len returns the number of events.
func (s Slice) Len() int { return len(s) }

// Each validates each event (abi.Event.Validate) and calls fn with a copy of it in ev; errors
// name the event as decoders name it.
func (s Slice) Each(ev *abi.Event, fn func(j int, ev *abi.Event) error) error {
	for j := range s {
		*ev = s[j]
		err := ev.Validate()
		if err == nil {
			err = fn(j, ev)
		}
		if err != nil {
			return abi.AtEvent(j, err)
		}
	}
	return nil
}

// Session is a model and one user's events. It is not safe for concurrent use.
type Session struct {
	model  *model.Model
	info   abi.ModelInfo
	codec  *retrieval.Codec // nil when the model file has no "pq" section
	ranker *retrieval.Ranker
	enc    *model.Encoder

	opts  abi.StoreOptions
	store *retrieval.Store // the events' codes; nil without a codec
	exact *model.History   // the events' float32 vectors, if kept
	n     int              // events held
	base  int64            // time of the first event
	last  int64            // time of the last event

	ev    abi.Event
	cands []retrieval.Candidate
	part  [model.NumParts]float32
	parts []float32 // one event's parts, for checkParts
}

var errNoModel = abi.NotLoaded("no model loaded: call load_model first")

const errNoCodec = "the model file has no \"pq\" section, so only exact ranking is available; " +
	"PQ retrieval and the event store's binary form need the model's product-quantization codec"

// New returns a Session with no model.
func New() *Session { return &Session{} }

// LoadModel replaces the model with a model file and starts an empty history with the default
// store options. On failure the previous model and events stay.
func (s *Session) LoadModel(file []byte) (abi.ModelInfo, error) {
	mdl, extras, err := modelfile.Load(file)
	if err != nil {
		return abi.ModelInfo{}, abi.BadInput(err.Error())
	}
	var codec *retrieval.Codec
	if sec, ok := extras[retrieval.Section]; ok {
		if codec, err = retrieval.LoadCodec(mdl, sec); err != nil {
			return abi.ModelInfo{}, abi.BadInput("section \"pq\": " + err.Error())
		}
	}
	cfg := mdl.Config()
	*s = Session{model: mdl, codec: codec, enc: model.NewEncoder(mdl), cands: s.cands}
	s.info = abi.ModelInfo{Dim: cfg.Dim, Heads: cfg.Heads, TopK: cfg.TopK, DenseDims: append([]int{}, cfg.DenseDims...)}
	if codec != nil {
		s.ranker = retrieval.NewRanker(codec)
		s.info.Bits = abi.Bits(codec.Bits())
		s.info.Codec = codec.Sum()
		s.info.CodesPerEvent = codec.CodesPerEvent()
		s.info.BytesPerEvent = retrieval.NewStore(codec, retrieval.StoreOptions{}).BytesPerEvent()
	} else {
		s.ranker = retrieval.NewExactRanker(mdl)
	}
	s.reset(abi.StoreOptions{Exact: codec == nil}, 0)
	return s.info, nil
}

// Info returns the loaded model's description.
func (s *Session) Info() abi.ModelInfo { return s.info }

// Len returns the number of events held.
func (s *Session) Len() int { return s.n }

// Options returns what the session keeps of each event besides its codes.
func (s *Session) Options() abi.StoreOptions { return s.opts }

// LoadEvents replaces the events with evs, kept as opts says. Every event is checked before
// any is kept: on failure the events held are unchanged.
func (s *Session) LoadEvents(opts abi.StoreOptions, evs Events) (int, error) {
	if s.model == nil {
		return 0, errNoModel
	}
	if s.codec == nil {
		if opts.Int8 || opts.SkipFine {
			return 0, abi.BadInput("int8 and skip_fine: " + errNoCodec)
		}
		opts.Exact = true
	}
	if err := s.check(evs, true, opts.Exact); err != nil {
		return 0, err
	}
	s.reset(opts, evs.Len())
	return s.apply(evs)
}

// AppendEvents adds evs after the events held, kept as the last load asked. Every event is
// checked before any is added: on failure the events held are unchanged.
func (s *Session) AppendEvents(evs Events) (int, error) {
	if s.model == nil {
		return 0, errNoModel
	}
	if err := s.check(evs, false, s.opts.Exact); err != nil {
		return 0, err
	}
	return s.apply(evs)
}

// check decodes every event of evs and checks what keeping it would: the count against the
// limits, the item against the model, the time against the order and span the store allows.
func (s *Session) check(evs Events, replace, exact bool) error {
	held := s.n
	if replace {
		held = 0
	}
	total := held + evs.Len()
	if total > abi.MaxEvents {
		return abi.BadInput(strconv.Itoa(total) + " events, more than the limit of " + strconv.Itoa(abi.MaxEvents))
	}
	if exact && total*s.model.Dim() > abi.MaxExactFloats {
		return abi.BadInput("exact vectors of " + strconv.Itoa(total) + " events exceed the limit of " +
			strconv.Itoa(abi.MaxExactFloats) + " floats")
	}
	base, last, have := s.base, s.last, held > 0
	err := evs.Each(&s.ev, func(_ int, ev *abi.Event) error {
		if err := s.model.CheckItem(&ev.Item); err != nil {
			return err
		}
		if err := s.checkParts(ev); err != nil {
			return err
		}
		t := ev.Time
		if !have {
			base, last, have = t, t, true
		}
		if t < last {
			return errors.New("time " + strconv.FormatInt(t, 10) + " is earlier than the event before it (" +
				strconv.FormatInt(last, 10) + ")")
		}
		if t-base > abi.MaxTimeSpan {
			return errors.New("time " + strconv.FormatInt(t, 10) + " is 2^39 s or more after the first event's")
		}
		last = t
		return nil
	})
	if err != nil {
		return abi.BadInput(err.Error())
	}
	return nil
}

// checkParts encodes ev's parts and checks that the codec can encode them: a trained model's
// weights can make even bounded features too large for the codes, and an event the codes
// cannot hold must be refused here, before any event is kept.
func (s *Session) checkParts(ev *abi.Event) error {
	if s.codec == nil {
		return nil
	}
	s.parts = slices.Grow(s.parts[:0], model.NumParts*s.model.Dim())[:model.NumParts*s.model.Dim()]
	if err := s.enc.EventParts(s.parts, ev.Query, ev.Kind, &ev.Item); err != nil {
		return err
	}
	for _, x := range s.parts {
		if !(x >= -pq.MaxMagnitude && x <= pq.MaxMagnitude) {
			return errors.New("the event's encoded vector is beyond what the codes hold (a dense feature too large?)")
		}
	}
	return nil
}

// reset empties the history and keeps events as opts says, with room for n.
func (s *Session) reset(opts abi.StoreOptions, n int) {
	s.n, s.base, s.last, s.opts = 0, 0, 0, opts
	if s.codec != nil {
		so := retrieval.StoreOptions{Int8: opts.Int8, SkipFine: opts.SkipFine}
		if s.store == nil || s.store.Options() != so {
			s.store = retrieval.NewStore(s.codec, so)
		}
		s.store.Reset()
		s.store.Reserve(n)
	}
	switch {
	case !opts.Exact:
		s.exact = nil
	case s.exact == nil:
		s.exact = s.model.NewHistory(n)
	default:
		s.exact.Reset()
	}
}

// apply appends events that check accepted.
func (s *Session) apply(evs Events) (int, error) {
	if s.store != nil {
		s.store.Reserve(s.n + evs.Len())
	}
	start := s.n
	err := evs.Each(&s.ev, func(_ int, ev *abi.Event) error {
		if s.store != nil {
			if err := s.store.Append(retrieval.Event{Time: ev.Time, Kind: ev.Kind, Query: ev.Query, Item: &ev.Item}); err != nil {
				return err
			}
		}
		if s.exact != nil {
			if err := s.enc.AppendEvent(s.exact, ev.Query, ev.Kind, &ev.Item); err != nil {
				return err
			}
		}
		if s.n == 0 {
			s.base = ev.Time
		}
		s.last = ev.Time
		s.n++
		return nil
	})
	if err != nil {
		// Checked events cannot fail to encode; should one still fail, keep what was held.
		msg := err.Error()
		if terr := s.truncate(start); terr != nil {
			msg += "; " + terr.Error()
		}
		return 0, &abi.Error{Status: abi.StatusInternal, Message: msg}
	}
	return s.n, nil
}

// Truncate keeps the first n events and drops the rest.
func (s *Session) Truncate(n int) (int, error) {
	if s.model == nil {
		return 0, errNoModel
	}
	if n < 0 || n > s.n {
		return 0, &abi.Error{Status: abi.StatusBadArgument, Message: "truncate to " + strconv.Itoa(n) +
			" events, " + strconv.Itoa(s.n) + " are held"}
	}
	if err := s.truncate(n); err != nil {
		return 0, &abi.Error{Status: abi.StatusInternal, Message: err.Error()}
	}
	return s.n, nil
}

func (s *Session) truncate(n int) error {
	if s.store != nil {
		if err := s.store.Truncate(n); err != nil {
			return err
		}
	}
	if s.exact != nil {
		if err := s.exact.Truncate(n); err != nil {
			return err
		}
	}
	s.n = n
	switch {
	case n == 0:
		s.base, s.last = 0, 0
	case s.store != nil:
		s.last = s.store.Time(n - 1)
	}
	return nil
}

// StoreBytes appends the binary form of the event store to dst: the history a device keeps.
func (s *Session) StoreBytes(dst []byte) ([]byte, error) { return s.StoreSegment(dst, 0) }

// StoreSegment appends the binary form of the events from index from on to dst: what an
// append added, for a device to persist beside its snapshot (AppendStore takes it back).
func (s *Session) StoreSegment(dst []byte, from int) ([]byte, error) {
	if err := s.needStore(); err != nil {
		return dst, err
	}
	if from < 0 || from > s.n {
		return dst, &abi.Error{Status: abi.StatusBadArgument, Message: "segment from event " + strconv.Itoa(from) +
			", " + strconv.Itoa(s.n) + " are held"}
	}
	var b []byte
	var err error
	if from == 0 {
		b, err = s.store.AppendBinary(dst)
	} else {
		b, err = s.store.AppendSegment(dst, from)
	}
	if err != nil {
		return dst, &abi.Error{Status: abi.StatusInternal, Message: err.Error()}
	}
	return b, nil
}

func (s *Session) needStore() error {
	switch {
	case s.model == nil:
		return errNoModel
	case s.codec == nil:
		return abi.NotLoaded(errNoCodec)
	}
	return nil
}

// storeFor checks a store's header against the codec and returns the options it was made with.
func (s *Session) storeFor(b []byte) (retrieval.StoreOptions, error) {
	h, err := retrieval.ReadStoreHeader(b)
	if err != nil {
		return retrieval.StoreOptions{}, abi.BadInput(err.Error())
	}
	if h.Codec != s.codec.Sum() {
		return retrieval.StoreOptions{}, &abi.Error{Status: abi.StatusBadInput, Message: "the store was made by codec " +
			strconv.FormatUint(uint64(h.Codec), 10) + ", the model's is " + strconv.FormatUint(uint64(s.codec.Sum()), 10) +
			": encode the events again with this model"}
	}
	if s.codec.Fine() == nil && h.Fine {
		return retrieval.StoreOptions{}, abi.BadInput("the store has fine codes, the model's codec has none")
	}
	return h.Options(s.codec), nil
}

// LoadStore replaces the events with a store's binary form. It holds no float32 vectors:
// exact search needs LoadEvents again.
func (s *Session) LoadStore(b []byte) (int, error) {
	if err := s.needStore(); err != nil {
		return 0, err
	}
	opts, err := s.storeFor(b)
	if err != nil {
		return 0, err
	}
	st := retrieval.NewStore(s.codec, opts)
	if err := st.UnmarshalBinary(b); err != nil {
		return 0, abi.BadInput(err.Error())
	}
	s.store, s.exact, s.n = st, nil, st.Len()
	s.opts = abi.StoreOptions{Int8: opts.Int8, SkipFine: opts.SkipFine}
	s.base, s.last = 0, 0
	if s.n > 0 {
		s.base, s.last = st.Time(0), st.Time(s.n-1)
	}
	return s.n, nil
}

// AppendStore appends the events of a store's binary form (a segment from StoreSegment, or a
// whole store) after those held. It must have been made with the same codec and options.
func (s *Session) AppendStore(b []byte) (int, error) {
	if err := s.needStore(); err != nil {
		return 0, err
	}
	opts, err := s.storeFor(b)
	if err != nil {
		return 0, err
	}
	if s.exact != nil {
		return 0, abi.BadInput("the events held keep exact vectors, which a store cannot supply: " +
			"load a store with load_store before appending others")
	}
	if opts != s.store.Options() {
		return 0, abi.BadInput("the store keeps " + describe(opts) + ", the events held keep " + describe(s.store.Options()))
	}
	if err := s.store.AppendStore(b); err != nil {
		return 0, abi.BadInput(err.Error())
	}
	s.n = s.store.Len()
	if s.n > 0 {
		s.base, s.last = s.store.Time(0), s.store.Time(s.n-1)
	}
	return s.n, nil
}

func describe(o retrieval.StoreOptions) string {
	switch {
	case o.Int8 && o.SkipFine:
		return "an int8 copy and no fine codes"
	case o.Int8:
		return "an int8 copy"
	case o.SkipFine:
		return "no fine codes"
	}
	return "the default codes"
}

// Rank orders req's candidates for the events held and writes the answer to rep, reusing its
// slices. req must be valid (abi.RankRequest.Validate; decoders check it).
func (s *Session) Rank(req *abi.RankRequest, rep *abi.RankReply) error {
	if s.model == nil {
		return errNoModel
	}
	o := &req.Options
	kind := abi.Browse
	if req.Query != "" {
		kind = abi.Search
	}
	s.cands = s.cands[:0]
	for i := range req.Candidates {
		if err := s.model.CheckItem(&req.Candidates[i]); err != nil {
			return abi.BadInput("candidates[" + strconv.Itoa(i) + "]: " + err.Error())
		}
		s.cands = append(s.cands, retrieval.Candidate{Query: req.Query, Kind: kind, Item: &req.Candidates[i]})
	}
	opt := retrieval.Options{K: o.K, Shortlist: o.Shortlist, Heads: retrieval.Heads(o.Heads),
		Refine: retrieval.Vectors(o.Refine), ESU: retrieval.Vectors(o.ESU)}
	if o.Weights != nil {
		for p, name := range abi.Parts {
			w, ok := o.Weights[name]
			if !ok {
				w = 1
			}
			s.part[p] = w
		}
		opt.Weights = s.part[:]
	}
	var res retrieval.Result
	var err error
	exact := o.Exact || s.codec == nil
	switch {
	case exact && s.exact == nil:
		return abi.NotLoaded("exact search needs the events' float32 vectors: load the events with exact: true")
	case exact:
		res, err = s.ranker.RankExact(s.exact, s.cands, opt)
	case o.Bits != abi.BitsDefault && int(o.Bits) != s.codec.Bits():
		return abi.BadInput("options.bits: " + strconv.Itoa(int(o.Bits)) + ", the model's codec has " +
			strconv.Itoa(s.codec.Bits()) + "-bit codes; give 0 (the codec's) or exact: true")
	default:
		res, err = s.ranker.Rank(s.store, s.cands, opt)
	}
	if err != nil {
		return abi.BadInput(err.Error())
	}
	rep.Order = append(rep.Order[:0], res.Order...)
	rep.Scores = append(rep.Scores[:0], res.Scores...)
	rep.Exact, rep.Bits = exact, 0
	if !exact {
		rep.Bits = abi.Bits(s.codec.Bits())
	}
	tm := res.Timings
	rep.Timings = abi.Timings{Total: micros(tm.Total()), LUT: micros(tm.Targets), Scan: micros(tm.Scan),
		TopK: micros(tm.Select), ESU: micros(tm.ESU)}
	return nil
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
