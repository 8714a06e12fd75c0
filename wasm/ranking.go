package main

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// ranking is the model and the user's events an instance holds, and the buffers its request
// exports reuse from call to call.
type ranking struct {
	model  *model.Model
	dense  []int            // the model's dense slot widths
	codec  *retrieval.Codec // nil when the model file has no "pq" section
	ranker *retrieval.Ranker
	scorer *model.Scorer // exact scoring for a model without a codec
	enc    *model.Encoder

	loaded bool             // whether events were loaded since the model
	store  *retrieval.Store // the events' codes; nil without a codec
	exact  *model.History   // the events' float32 vectors, if kept
	n      int              // events held
	base   int64            // time of the first event
	last   int64            // time of the last event

	ev     retrieval.Event
	evItem itemBuf
	dec    rankDecoder
	req    rankRequest
	order  []int32   // rank order without a codec
	scores []float32 // rank scores without a codec
}

var (
	errNoModel  = errors.New("no model loaded: call load_model first")
	errNoEvents = errors.New("no events loaded: call load_events or load_store first")
	errNoCodec  = errors.New("the model file has no \"pq\" section, so only exact ranking (bits 0) " +
		"is available; ranking with bits 4 or 8 and the event store's binary form need the " +
		"model's product-quantization codec")
)

// loadModel replaces the model (and drops the events, whose codes belong to the old codec).
// On failure the previous model and events stay.
func (m *module) loadModel(ptr, n uint32) int32 {
	b, status := m.input("load_model", ptr, n)
	if status != statusOK {
		return status
	}
	mdl, extras, err := modelfile.Load(b)
	if err != nil {
		return m.fail(statusBadInput, "load_model: "+err.Error())
	}
	var codec *retrieval.Codec
	if sec, ok := extras[retrieval.Section]; ok {
		if codec, err = retrieval.LoadCodec(mdl, sec); err != nil {
			return m.fail(statusBadInput, "load_model: section \"pq\": "+err.Error())
		}
	}
	cfg := mdl.Config()
	m.rk = ranking{model: mdl, dense: cfg.DenseDims, codec: codec, enc: model.NewEncoder(mdl)}
	if codec != nil {
		m.rk.ranker = retrieval.NewRanker(codec)
	} else {
		m.rk.scorer = model.NewScorer(mdl)
	}

	w := m.replyWriter()
	w.WriteMapHeader(7)
	w.WriteString("dim")
	w.WriteInt(int64(cfg.Dim))
	w.WriteString("heads")
	w.WriteInt(int64(cfg.Heads))
	w.WriteString("top_k")
	w.WriteInt(int64(cfg.TopK))
	w.WriteString("dense_dims")
	w.WriteArrayHeader(len(cfg.DenseDims))
	for _, d := range cfg.DenseDims {
		w.WriteInt(int64(d))
	}
	bits, codes, perEvent := 0, 0, 0
	if codec != nil {
		bits, codes = codec.Bits(), codec.CodesPerEvent()
		perEvent = retrieval.NewStore(codec, retrieval.StoreOptions{}).BytesPerEvent()
	}
	w.WriteString("bits")
	w.WriteInt(int64(bits))
	w.WriteString("codes_per_event")
	w.WriteInt(int64(codes))
	w.WriteString("bytes_per_event")
	w.WriteInt(int64(perEvent))
	return m.setReply(w)
}

// requestInput is input for the exports bounded by maxRequestBytes.
func (m *module) requestInput(call string, ptr, n uint32) ([]byte, int32) {
	if n > maxRequestBytes {
		return nil, m.fail(statusBadInput, call+": "+utoa(uint64(n))+" bytes, more than the limit of "+
			utoa(maxRequestBytes))
	}
	return m.input(call, ptr, n)
}

func newReader(b []byte) *msgp.Reader {
	r := msgp.NewReader(b)
	r.SetLimits(readLimits())
	return r
}

// loadEvents replaces the events with those of the input. Every event is checked before any
// is kept: on failure the previous events stay.
func (m *module) loadEvents(ptr, n uint32) int32 {
	return m.events("load_events", ptr, n, true)
}

// appendEvents adds the input's events after those held. Every event is checked before any
// is added: on failure the events held stay as they were.
func (m *module) appendEvents(ptr, n uint32) int32 {
	return m.events("append_events", ptr, n, false)
}

func (m *module) events(call string, ptr, n uint32, replace bool) int32 {
	b, status := m.requestInput(call, ptr, n)
	if status != statusOK {
		return status
	}
	rk := &m.rk
	if rk.model == nil {
		return m.fail(statusNotLoaded, call+": "+errNoModel.Error())
	}
	if !replace && !rk.loaded {
		return m.fail(statusNotLoaded, call+": "+errNoEvents.Error())
	}
	r := newReader(b)
	msg, err := readEventsMessage(r, replace)
	if err != nil {
		return m.fail(statusBadInput, call+": "+err.Error())
	}
	if !replace {
		msg.exact = rk.exact != nil
		if rk.store != nil {
			opts := rk.store.Options()
			msg.int8, msg.skipFine = opts.Int8, opts.SkipFine
		}
	}
	if rk.codec == nil {
		if msg.int8 {
			return m.fail(statusBadInput, call+": int8: "+errNoCodec.Error())
		}
		msg.exact = true
	}
	held := rk.n
	if replace {
		held = 0
	}
	if held+msg.n > maxEvents {
		return m.fail(statusBadInput, call+": "+strconv.Itoa(held+msg.n)+" events, more than the limit of "+
			strconv.Itoa(maxEvents))
	}
	if msg.exact && (held+msg.n)*rk.model.Dim() > maxExactFloats {
		return m.fail(statusBadInput, call+": exact vectors of "+strconv.Itoa(held+msg.n)+
			" events exceed the limit of "+strconv.Itoa(maxExactFloats)+" floats")
	}
	if r.Remaining() != 0 {
		return m.fail(statusBadInput, call+": "+strconv.Itoa(r.Remaining())+" bytes after the message")
	}
	if err := m.checkEvents(b, replace); err != nil {
		return m.fail(statusBadInput, call+": "+err.Error())
	}
	if replace {
		rk.reset(msg)
	}
	if err := m.applyEvents(b, msg.n); err != nil {
		// Checked events cannot fail to encode; should one still fail, hold none rather than
		// a part of the call's events.
		rk.loaded, rk.n = false, 0
		return m.fail(statusBadInput, call+": "+err.Error()+"; no events are loaded")
	}
	rk.loaded = true
	w := m.replyWriter()
	w.WriteMapHeader(1)
	w.WriteString("events")
	w.WriteInt(int64(rk.n))
	return m.setReply(w)
}

// reset empties the events, keeping the buffers of the kinds of storage msg asks for.
func (rk *ranking) reset(msg eventsMessage) {
	rk.n = 0
	if rk.codec != nil {
		opts := retrieval.StoreOptions{Int8: msg.int8, SkipFine: msg.skipFine}
		if rk.store == nil || rk.store.Options() != opts {
			rk.store = retrieval.NewStore(rk.codec, opts)
		}
		rk.store.Reset()
		rk.store.Reserve(msg.n)
	}
	switch {
	case !msg.exact:
		rk.exact = nil
	case rk.exact == nil:
		rk.exact = rk.model.NewHistory(msg.n)
	default:
		rk.exact.Reset()
	}
}

// checkEvents decodes every event of b and checks what appending it would: the item against
// the model, the time against the order and range the store allows.
func (m *module) checkEvents(b []byte, replace bool) error {
	rk := &m.rk
	r := newReader(b)
	n, err := seekEvents(r)
	if err != nil {
		return err
	}
	base, last, have := rk.base, rk.last, rk.n > 0 && !replace
	for j := range n {
		if err := readEvent(r, &rk.ev, &rk.evItem, rk.dense); err != nil {
			return path(index("events", j), err)
		}
		if err := rk.model.CheckItem(rk.ev.Item); err != nil {
			return path(index("events", j), err)
		}
		t := rk.ev.Time
		if !have {
			base, last, have = t, t, true
		}
		if t < last {
			return errors.New(index("events", j) + ": time " + strconv.FormatInt(t, 10) +
				" is earlier than the event before it (" + strconv.FormatInt(last, 10) + ")")
		}
		if t-base > maxTimeSpan {
			return errors.New(index("events", j) + ": time " + strconv.FormatInt(t, 10) +
				" is 2^39 s or more after the first event's")
		}
		last = t
	}
	return nil
}

// applyEvents appends the events of b, which checkEvents accepted.
func (m *module) applyEvents(b []byte, n int) error {
	rk := &m.rk
	r := newReader(b)
	if _, err := seekEvents(r); err != nil {
		return err
	}
	if rk.store != nil {
		rk.store.Reserve(rk.n + n)
	}
	for j := range n {
		ev := &rk.ev
		if err := readEvent(r, ev, &rk.evItem, rk.dense); err != nil {
			return path(index("events", j), err)
		}
		if rk.store != nil {
			if err := rk.store.Append(*ev); err != nil {
				return path(index("events", j), err)
			}
		}
		if rk.exact != nil {
			if err := rk.enc.AppendEvent(rk.exact, ev.Query, ev.Kind, ev.Item); err != nil {
				return path(index("events", j), err)
			}
		}
		if rk.n == 0 {
			rk.base = ev.Time
		}
		rk.last = ev.Time
		rk.n++
	}
	return nil
}

// storeBytes replies with the store's binary form (retrieval.Store.AppendBinary).
func (m *module) storeBytes() int32 {
	rk := &m.rk
	switch {
	case rk.model == nil:
		return m.fail(statusNotLoaded, "store_bytes: "+errNoModel.Error())
	case rk.codec == nil:
		return m.fail(statusNotLoaded, "store_bytes: "+errNoCodec.Error())
	case !rk.loaded:
		return m.fail(statusNotLoaded, "store_bytes: "+errNoEvents.Error())
	}
	b, err := rk.store.AppendBinary(m.storeBuf[:0])
	if err != nil {
		return m.fail(statusInternal, "store_bytes: "+err.Error())
	}
	m.storeBuf = b
	m.reply = b
	return statusOK
}

// The store's binary form keeps its flags at byte 6 (bit 0: the int8 copy, bit 1: fine codes)
// and its number of events at bytes 16–19 (retrieval's storefile.go).
const (
	storeFlagsOffset = 6
	storeCountOffset = 16
	storeFlagInt8    = 1
	storeFlagFine    = 2
)

// maxTimeSpan is the latest an event may come after the first, in seconds: the store keeps
// 39-bit time offsets.
const maxTimeSpan = 1<<39 - 1

// loadStore replaces the events with a store in its binary form. The exact vectors cannot be
// recovered from codes: exact ranking needs load_events again.
func (m *module) loadStore(ptr, n uint32) int32 {
	b, status := m.input("load_store", ptr, n)
	if status != statusOK {
		return status
	}
	rk := &m.rk
	switch {
	case rk.model == nil:
		return m.fail(statusNotLoaded, "load_store: "+errNoModel.Error())
	case rk.codec == nil:
		return m.fail(statusNotLoaded, "load_store: "+errNoCodec.Error())
	case len(b) < storeCountOffset+4:
		return m.fail(statusBadInput, "load_store: "+utoa(uint64(len(b)))+" bytes, shorter than a store header")
	}
	if count := binary.LittleEndian.Uint32(b[storeCountOffset:]); count > maxEvents {
		return m.fail(statusBadInput, "load_store: "+utoa(uint64(count))+" events, more than the limit of "+
			strconv.Itoa(maxEvents))
	}
	flags := b[storeFlagsOffset]
	s := retrieval.NewStore(rk.codec, retrieval.StoreOptions{
		Int8:     flags&storeFlagInt8 != 0,
		SkipFine: rk.codec.Fine() != nil && flags&storeFlagFine == 0,
	})
	if err := s.UnmarshalBinary(b); err != nil {
		return m.fail(statusBadInput, "load_store: "+err.Error())
	}
	rk.store, rk.exact, rk.loaded, rk.n = s, nil, true, s.Len()
	if rk.n > 0 {
		rk.base, rk.last = s.Time(0), s.Time(rk.n-1)
	}
	w := m.replyWriter()
	w.WriteMapHeader(1)
	w.WriteString("events")
	w.WriteInt(int64(rk.n))
	return m.setReply(w)
}

// rank scores the request's candidates against the events held.
func (m *module) rank(ptr, n uint32) int32 {
	b, status := m.requestInput("rank", ptr, n)
	if status != statusOK {
		return status
	}
	rk := &m.rk
	if rk.model == nil {
		return m.fail(statusNotLoaded, "rank: "+errNoModel.Error())
	}
	if !rk.loaded {
		return m.fail(statusNotLoaded, "rank: "+errNoEvents.Error())
	}
	r := newReader(b)
	req := &rk.req
	if err := rk.dec.read(r, req, rk.dense); err != nil {
		return m.fail(statusBadInput, "rank: "+err.Error())
	}
	if r.Remaining() != 0 {
		return m.fail(statusBadInput, "rank: "+strconv.Itoa(r.Remaining())+" bytes after the message")
	}
	if req.bits < 0 {
		req.bits = 0
		if rk.codec != nil {
			req.bits = rk.codec.Bits()
		}
	}
	res, status := m.rankWith(req)
	if status != statusOK {
		return status
	}
	w := m.replyWriter()
	w.WriteMapHeader(4)
	w.WriteString("order")
	w.WriteArrayHeader(len(res.Order))
	for _, i := range res.Order {
		w.WriteInt(int64(i))
	}
	w.WriteString("scores")
	w.WriteArrayHeader(len(res.Scores))
	for _, s := range res.Scores {
		w.WriteFloat32(s)
	}
	w.WriteString("bits")
	w.WriteInt(int64(req.bits))
	tm := res.Timings
	w.WriteString("timings")
	w.WriteMapHeader(5)
	for _, t := range [...]struct {
		name string
		d    time.Duration
	}{{"total_us", tm.Total()}, {"lut_us", tm.Targets}, {"scan_us", tm.Scan}, {"topk_us", tm.Select}, {"esu_us", tm.ESU}} {
		w.WriteString(t.name)
		w.WriteFloat64(float64(t.d.Nanoseconds()) / 1e3)
	}
	return m.setReply(w)
}

func (m *module) rankWith(req *rankRequest) (retrieval.Result, int32) {
	rk := &m.rk
	var res retrieval.Result
	var err error
	switch {
	case req.bits != 0 && rk.codec == nil:
		return res, m.fail(statusNotLoaded, "rank: bits "+strconv.Itoa(req.bits)+": "+errNoCodec.Error())
	case req.bits != 0 && req.bits != rk.codec.Bits():
		return res, m.fail(statusBadInput, "rank: bits "+strconv.Itoa(req.bits)+": the model's pq codec has "+
			strconv.Itoa(rk.codec.Bits())+"-bit codes; use bits "+strconv.Itoa(rk.codec.Bits())+" or 0 (exact)")
	case req.bits != 0:
		res, err = rk.ranker.Rank(rk.store, req.cands, req.opt)
	case rk.exact == nil:
		return res, m.fail(statusNotLoaded, "rank: exact ranking (bits 0) needs the events' exact vectors: "+
			"load the events with load_events and exact: true")
	case rk.codec != nil:
		res, err = rk.ranker.RankExact(rk.exact, req.cands, req.opt)
	default:
		res, err = rk.scoreExact(req)
	}
	if err != nil {
		return res, m.fail(statusBadInput, "rank: "+err.Error())
	}
	return res, statusOK
}

// scoreExact ranks with the model's own exact scoring (per-head GSU, the model's K), the one
// exact mode a model without a codec offers.
func (rk *ranking) scoreExact(req *rankRequest) (retrieval.Result, error) {
	o := req.opt
	if (o.K != 0 && o.K != rk.model.Config().TopK) || o.Heads != retrieval.PerHead || o.Shortlist != 0 ||
		o.Refine != retrieval.FromCodes || o.ESU != retrieval.FromCodes || o.Weights != nil {
		return retrieval.Result{}, errors.New("without a \"pq\" section the model scores exactly with its own " +
			"GSU only: options heads 1 (per head) and k 0 or top_k, and no shortlist, refine, esu or weights")
	}
	start := time.Now()
	rk.scores = resizeFloats(rk.scores, len(req.cands))
	for i, c := range req.cands {
		s, err := rk.scorer.Score(rk.exact, c.Query, c.Kind, c.Item)
		if err != nil {
			return retrieval.Result{}, path(index("candidates", i), err)
		}
		rk.scores[i] = s
	}
	rk.order = orderByScore(rk.order, rk.scores)
	return retrieval.Result{Order: rk.order, Scores: rk.scores, Timings: retrieval.Timings{ESU: time.Since(start)}}, nil
}

func resizeFloats(x []float32, n int) []float32 {
	if cap(x) < n {
		return make([]float32, n)
	}
	return x[:n]
}

// orderByScore returns the indices of scores by descending score, ties by lower index, as
// retrieval.Result orders them.
func orderByScore(order []int32, scores []float32) []int32 {
	order = order[:0]
	for i := range scores {
		order = append(order, int32(i))
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch sa, sb := scores[a], scores[b]; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return int(a - b)
	})
	return order
}

// replyWriter returns a Writer over the reused reply buffer.
func (m *module) replyWriter() *msgp.Writer { return msgp.NewWriter(m.replyBuf[:0]) }

// setReply makes w's bytes the reply.
func (m *module) setReply(w *msgp.Writer) int32 {
	if err := w.Err(); err != nil {
		return m.fail(statusInternal, "encode reply: "+err.Error())
	}
	m.replyBuf = w.Bytes()
	m.reply = m.replyBuf
	return statusOK
}
