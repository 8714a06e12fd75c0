package abi

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/seminar-ranker/seminar/core/msgp"
)

// Decoder reads the messages of the ABI. It reuses the slices of the messages it decodes into
// (attributes, dense vectors, candidates), so that once they have grown to the largest message
// seen decoding allocates nothing but strings, and nothing at all with Alias.
//
// Every decode checks the message as the module does: unknown or repeated keys, wrong types,
// sizes over the limits and values the ABI does not allow are errors that name the key's path,
// such as `events[3].item.attrs[0]: unknown key "x"`.
type Decoder struct {
	// Alias makes decoded strings alias the input bytes instead of copying them: the caller
	// must not use them after it changes or drops the input. The module aliases (it hashes
	// strings, never keeps them); other callers should not.
	Alias bool

	weights PartWeights // reused by every request that gives part weights
}

// maxDenseDim bounds the width of one dense vector.
const maxDenseDim = 1 << 14

func (d *Decoder) reader(b []byte) *msgp.Reader {
	r := msgp.NewReader(b)
	r.SetLimits(msgp.Limits{MaxStr: MaxTextBytes, MaxBin: 0, MaxArray: MaxEvents, MaxMap: 64})
	return r
}

// pathError is a decoding error with where in the message it happened.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }

func (e *pathError) Unwrap() error { return e.err }

// at prefixes err with a map key, joined to a deeper path by a dot. It and atIndex stay out
// of line, as the error constructors of validate.go do.
//
//go:noinline
func at(key string, err error) error {
	if pe, ok := err.(*pathError); ok {
		if pe.path[0] == '[' {
			return &pathError{path: key + pe.path, err: pe.err}
		}
		return &pathError{path: key + "." + pe.path, err: pe.err}
	}
	return &pathError{path: key, err: err}
}

// atIndex prefixes err with an array index.
//
//go:noinline
func atIndex(i int, err error) error {
	key := "[" + strconv.Itoa(i) + "]"
	if pe, ok := err.(*pathError); ok {
		if pe.path[0] == '[' {
			return &pathError{path: key + pe.path, err: pe.err}
		}
		return &pathError{path: key + "." + pe.path, err: pe.err}
	}
	return &pathError{path: key, err: err}
}

// seen tracks the keys of one map, so that a repeated key is an error.
type seen uint32

func (s *seen) add(bit uint, k string) error {
	if *s&(1<<bit) != 0 {
		return errors.New("key " + strconv.Quote(k) + " repeats")
	}
	*s |= 1 << bit
	return nil
}

func (s seen) has(bit uint) bool { return s&(1<<bit) != 0 }

// keyError is a map key the message does not allow; the path to it is its map's, not its own.
type keyError struct{ key string }

func (e *keyError) Error() string { return "unknown key " + strconv.Quote(e.key) }

func unknownKey(k string) error { return &keyError{k} }

func missingKey(k string) error { return errors.New("missing key " + strconv.Quote(k)) }

// key reads a map key, aliasing the input: keys are compared, never kept.
func key(r *msgp.Reader) (string, error) {
	b, err := r.ReadStringBytes()
	if err != nil {
		return "", errors.New("map key: " + err.Error())
	}
	return alias(b), nil
}

func alias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// str reads a UTF-8 str of at most limit bytes; nil reads as "".
func (d *Decoder) str(r *msgp.Reader, limit int) (string, error) {
	if r.IsNil() {
		return "", r.ReadNil()
	}
	b, err := r.ReadStringBytes()
	if err != nil {
		return "", err
	}
	if len(b) > limit {
		return "", overLimit(len(b), limit, " bytes")
	}
	if !utf8.Valid(b) {
		return "", errors.New("not valid UTF-8")
	}
	if d.Alias {
		return alias(b), nil
	}
	return string(b), nil
}

// array reads an array header of at most limit elements; nil reads as no elements.
func array(r *msgp.Reader, limit int) (int, error) {
	if r.IsNil() {
		return 0, r.ReadNil()
	}
	n, err := r.ReadArrayHeader()
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, overLimit(n, limit, " elements")
	}
	return n, nil
}

// mapHeader reads a map header; nil reads as an empty map.
func mapHeader(r *msgp.Reader) (int, error) {
	if r.IsNil() {
		return 0, r.ReadNil()
	}
	return r.ReadMapHeader()
}

// integer reads an integer; a float with an integral value in ±2^53 counts as one, for
// encoders (JavaScript's) that write every number as a float.
func integer(r *msgp.Reader) (int64, error) {
	if t, err := r.PeekType(); err != nil || t != msgp.TypeFloat {
		return r.ReadInt()
	}
	f, err := r.ReadFloat64()
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, errors.New(strconv.FormatFloat(f, 'g', -1, 64) + " is not an integer")
	}
	return int64(f), nil
}

// bounded reads an integer in [0, limit].
func bounded(r *msgp.Reader, limit int) (int, error) {
	v, err := integer(r)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > int64(limit) {
		return 0, outOfRange(v, limit)
	}
	return int(v), nil
}

// finite reads a number as a float32, rejecting NaN and infinities.
func finite(r *msgp.Reader) (float32, error) {
	v, err := r.ReadFloat32()
	if err != nil {
		return 0, err
	}
	if v-v != 0 {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

// finite64 reads a number as a float64.
func finite64(r *msgp.Reader) (float64, error) {
	v, err := r.ReadFloat64()
	if err != nil {
		return 0, err
	}
	if v-v != 0 {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

// end checks that nothing follows a message.
func end(r *msgp.Reader) error {
	if n := r.Remaining(); n != 0 {
		return errors.New(strconv.Itoa(n) + " bytes after the message")
	}
	return nil
}

// fields reads the keys of a map, each at most once and each one of names, and calls read with
// the index in names of each key, the Reader at its value. Errors name the key; an unknown key
// is the map's own error. A map that may be nil is read as empty.
func fields(r *msgp.Reader, nilOK bool, names []string, read func(i int) error) (seen, error) {
	var n int
	var err error
	if nilOK {
		n, err = mapHeader(r)
	} else {
		n, err = r.ReadMapHeader()
	}
	if err != nil {
		return 0, err
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return keys, err
		}
		i := slices.Index(names, k)
		if i < 0 {
			return keys, unknownKey(k)
		}
		if err := keys.add(uint(i), k); err != nil {
			return keys, err
		}
		if err := read(i); err != nil {
			return keys, at(k, err)
		}
	}
	return keys, nil
}

// The keys of each message, in the order of their bits in a seen.
var (
	itemKeys        = []string{"id", "text", "attrs", "dense"}
	attrKeys        = []string{"f", "v"}
	eventKeys       = []string{"t", "k", "q", "item"}
	loadEventsKeys  = []string{"exact", "int8", "skip_fine", "events"}
	rankRequestKeys = []string{"query", "candidates", "options"}
	optionKeys      = []string{"k", "shortlist", "exact", "bits", "heads", "refine", "esu", "weights"}
	rankReplyKeys   = []string{"order", "scores", "exact", "bits", "timings"}
	timingKeys      = []string{"total_us", "lut_us", "scan_us", "topk_us", "esu_us"}
	modelInfoKeys   = []string{"dim", "heads", "top_k", "dense_dims", "bits", "codec", "codes_per_event", "bytes_per_event"}
)

// Item reads an item map into it, reusing its slices.
func (d *Decoder) Item(r *msgp.Reader, it *Item) error {
	it.ID, it.Text, it.Attrs, it.Dense = "", "", it.Attrs[:0], it.Dense[:0]
	_, err := fields(r, false, itemKeys, func(i int) (err error) {
		switch i {
		case 0:
			it.ID, err = d.str(r, MaxStringBytes)
		case 1:
			it.Text, err = d.str(r, MaxTextBytes)
		case 2:
			err = d.attrs(r, it)
		default:
			err = d.dense(r, it)
		}
		return err
	})
	return err
}

func (d *Decoder) attrs(r *msgp.Reader, it *Item) error {
	n, err := array(r, MaxAttrs)
	if err != nil {
		return err
	}
	for i := range n {
		var a Attr
		if err := d.attr(r, &a); err != nil {
			return atIndex(i, err)
		}
		it.Attrs = append(it.Attrs, a)
	}
	return nil
}

// attr reads an attribute, a map {f, v} or an array [field, value].
func (d *Decoder) attr(r *msgp.Reader, a *Attr) error {
	t, err := r.PeekType()
	if err != nil {
		return err
	}
	if t == msgp.TypeArray {
		n, err := r.ReadArrayHeader()
		if err != nil {
			return err
		}
		if n != 2 {
			return errors.New("an attribute array has " + strconv.Itoa(n) + " elements, want 2")
		}
		if a.Field, err = d.str(r, MaxStringBytes); err != nil {
			return atIndex(0, err)
		}
		if a.Value, err = d.str(r, MaxStringBytes); err != nil {
			return atIndex(1, err)
		}
		return nil
	}
	if t != msgp.TypeMap {
		return errors.New("an attribute is neither {f, v} nor [field, value]: " + t.String())
	}
	keys, err := fields(r, false, attrKeys, func(i int) (err error) {
		if i == 0 {
			a.Field, err = d.str(r, MaxStringBytes)
		} else {
			a.Value, err = d.str(r, MaxStringBytes)
		}
		return err
	})
	if err != nil {
		return err
	}
	if keys != 3 {
		return errors.New("an attribute map needs both f and v")
	}
	return nil
}

// dense reads the dense slots: each nil or an array of finite numbers. The widths are the
// model's to check.
func (d *Decoder) dense(r *msgp.Reader, it *Item) error {
	n, err := array(r, MaxDenseSlots)
	if err != nil {
		return err
	}
	for k := range n {
		if r.IsNil() {
			if err := r.ReadNil(); err != nil {
				return err
			}
			it.Dense = append(it.Dense, nil)
			continue
		}
		w, err := array(r, maxDenseDim)
		if err != nil {
			return atIndex(k, err)
		}
		// Reuse the vector this slot held in an earlier message, if it is wide enough.
		var x []float32
		if len(it.Dense) < cap(it.Dense) {
			x = it.Dense[:len(it.Dense)+1][len(it.Dense)]
		}
		if cap(x) < w {
			x = make([]float32, w)
		}
		x = x[:w]
		for i := range x {
			if x[i], err = finite(r); err == nil && !(x[i] >= -MaxDenseValue && x[i] <= MaxDenseValue) {
				err = errors.New("not a finite number within ±1e6")
			}
			if err != nil {
				return atIndex(k, atIndex(i, err))
			}
		}
		it.Dense = append(it.Dense, x)
	}
	return nil
}

// Event reads an event map into ev, reusing its item's slices, and checks it (Event.Validate).
func (d *Decoder) Event(r *msgp.Reader, ev *Event) error {
	ev.Time, ev.Kind, ev.Query = 0, Browse, ""
	keys, err := fields(r, false, eventKeys, func(i int) (err error) {
		switch i {
		case 0:
			ev.Time, err = integer(r)
		case 1:
			var v int
			v, err = bounded(r, 255)
			ev.Kind = Kind(v)
		case 2:
			ev.Query, err = d.str(r, MaxStringBytes)
		default:
			err = d.Item(r, &ev.Item)
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case !keys.has(0):
		return missingKey("t")
	case !keys.has(3):
		return missingKey("item")
	}
	return ev.Validate()
}

// Events is the events of a load_events or append_events input, decoded one at a time: a load
// of any size holds one decoded event at once.
type Events struct {
	dec   *Decoder
	b     []byte
	start int // offset of the first event
	n     int
}

// Len returns the number of events.
func (e *Events) Len() int { return e.n }

// Each decodes the events in order into ev and calls fn with each; it stops at the first
// error, which names the event. It can be called any number of times.
func (e *Events) Each(ev *Event, fn func(j int, ev *Event) error) error {
	r := e.dec.reader(e.b[e.start:])
	for j := range e.n {
		if err := e.dec.Event(r, ev); err != nil {
			return at("events", atIndex(j, err))
		}
		if err := fn(j, ev); err != nil {
			return at("events", atIndex(j, err))
		}
	}
	return nil
}

// LoadEvents reads the input of load_events: a map {events, exact, int8, skip_fine} in any
// order, or a bare array of events. It checks the structure and the options; Events.Each then
// decodes and checks each event.
func (d *Decoder) LoadEvents(b []byte) (StoreOptions, Events, error) {
	var opts StoreOptions
	r := d.reader(b)
	t, err := r.PeekType()
	if err != nil {
		return opts, Events{}, err
	}
	if t != msgp.TypeMap {
		ev, err := d.eventArray(r, b)
		return opts, ev, err
	}
	var events Events
	keys, err := fields(r, false, loadEventsKeys, func(i int) (err error) {
		switch i {
		case 0:
			opts.Exact, err = r.ReadBool()
		case 1:
			opts.Int8, err = r.ReadBool()
		case 2:
			opts.SkipFine, err = r.ReadBool()
		default:
			events, err = d.eventArray(r, nil)
		}
		return err
	})
	switch {
	case err != nil:
		return opts, Events{}, err
	case !keys.has(3):
		return opts, Events{}, missingKey("events")
	}
	events.b = b
	return opts, events, end(r)
}

// AppendEvents reads the input of append_events: an array of events.
func (d *Decoder) AppendEvents(b []byte) (Events, error) {
	r := d.reader(b)
	return d.eventArray(r, b)
}

// eventArray reads an array of events, skipping over them, and returns where they start; with
// a non-nil whole, the array must be the whole message.
func (d *Decoder) eventArray(r *msgp.Reader, whole []byte) (Events, error) {
	n, err := array(r, MaxEvents)
	if err != nil {
		return Events{}, at("events", err)
	}
	e := Events{dec: d, b: whole, start: r.Offset(), n: n}
	for j := range n {
		if err := r.Skip(); err != nil {
			return Events{}, at("events", atIndex(j, err))
		}
	}
	if whole != nil {
		return e, end(r)
	}
	return e, nil
}

// RankRequest reads a rank request into req, reusing its candidates, and checks it
// (RankRequest.Validate).
func (d *Decoder) RankRequest(b []byte, req *RankRequest) error {
	r := d.reader(b)
	req.Query, req.Candidates, req.Options = "", req.Candidates[:0], RankOptions{}
	keys, err := fields(r, false, rankRequestKeys, func(i int) (err error) {
		switch i {
		case 0:
			req.Query, err = d.str(r, MaxStringBytes)
		case 1:
			err = d.candidates(r, req)
		default:
			err = d.options(r, &req.Options)
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case !keys.has(1):
		return missingKey("candidates")
	}
	if err := end(r); err != nil {
		return err
	}
	return req.Validate()
}

func (d *Decoder) candidates(r *msgp.Reader, req *RankRequest) error {
	n, err := array(r, MaxCandidates)
	if err != nil {
		return err
	}
	c := req.Candidates[:0]
	for i := range n {
		if i < cap(c) {
			c = c[:i+1]
		} else {
			c = append(c, Item{})
		}
		if err := d.Item(r, &c[i]); err != nil {
			return atIndex(i, err)
		}
	}
	req.Candidates = c
	return nil
}

// options reads a RankOptions map; nil reads as the defaults.
func (d *Decoder) options(r *msgp.Reader, o *RankOptions) error {
	_, err := fields(r, true, optionKeys, func(i int) (err error) {
		var v int
		switch i {
		case 0:
			o.K, err = bounded(r, MaxTopK)
		case 1:
			o.Shortlist, err = bounded(r, MaxTopK)
		case 2:
			o.Exact, err = r.ReadBool()
		case 3:
			v, err = bounded(r, 255)
			o.Bits = Bits(v)
		case 4:
			v, err = bounded(r, 255)
			o.Heads = Heads(v)
		case 5:
			v, err = bounded(r, 255)
			o.Refine = Source(v)
		case 6:
			v, err = bounded(r, 255)
			o.ESU = Source(v)
		default:
			err = d.partWeights(r, o)
		}
		return err
	})
	return err
}

// partWeights reads a map from part names to weights into the decoder's reused map.
func (d *Decoder) partWeights(r *msgp.Reader, o *RankOptions) error {
	n, err := mapHeader(r)
	if err != nil {
		return err
	}
	if d.weights == nil {
		d.weights = make(PartWeights, len(Parts))
	}
	clear(d.weights)
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		p, ok := partNamed(k)
		if !ok {
			return errors.New("unknown part " + strconv.Quote(k) + ", want query, id, text, attrs or dense")
		}
		if _, dup := d.weights[p]; dup {
			return errors.New("key " + strconv.Quote(k) + " repeats")
		}
		w, err := finite(r)
		if err != nil {
			return at(k, err)
		}
		d.weights[p] = w
	}
	o.Weights = d.weights
	return nil
}

// partNamed returns the Part of a name without allocating.
func partNamed(name string) (Part, bool) {
	for _, p := range Parts {
		if string(p) == name {
			return p, true
		}
	}
	return "", false
}

// RankReply reads a rank reply into rep, reusing its slices.
func (d *Decoder) RankReply(b []byte, rep *RankReply) error {
	r := d.reader(b)
	order, scores := rep.Order[:0], rep.Scores[:0]
	*rep = RankReply{}
	keys, err := fields(r, false, rankReplyKeys, func(i int) (err error) {
		switch i {
		case 0:
			rep.Order, err = int32s(r, order)
		case 1:
			rep.Scores, err = float32s(r, scores)
		case 2:
			rep.Exact, err = r.ReadBool()
		case 3:
			var v int
			v, err = bounded(r, 255)
			rep.Bits = Bits(v)
		default:
			err = timings(r, &rep.Timings)
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case !keys.has(0) || !keys.has(1):
		return errors.New("a rank reply needs order and scores")
	}
	return end(r)
}

func int32s(r *msgp.Reader, dst []int32) ([]int32, error) {
	n, err := array(r, MaxCandidates)
	if err != nil {
		return nil, err
	}
	for i := range n {
		v, err := bounded(r, math.MaxInt32)
		if err != nil {
			return nil, atIndex(i, err)
		}
		dst = append(dst, int32(v))
	}
	return dst, nil
}

func float32s(r *msgp.Reader, dst []float32) ([]float32, error) {
	n, err := array(r, MaxCandidates)
	if err != nil {
		return nil, err
	}
	for i := range n {
		v, err := r.ReadFloat32()
		if err != nil {
			return nil, atIndex(i, err)
		}
		dst = append(dst, v)
	}
	return dst, nil
}

func timings(r *msgp.Reader, t *Timings) error {
	_, err := fields(r, false, timingKeys, func(i int) (err error) {
		f := [...]*float64{&t.Total, &t.LUT, &t.Scan, &t.TopK, &t.ESU}[i]
		*f, err = finite64(r)
		return err
	})
	return err
}

// ModelInfo reads a load_model reply.
func (d *Decoder) ModelInfo(b []byte, info *ModelInfo) error {
	r := d.reader(b)
	*info = ModelInfo{}
	_, err := fields(r, false, modelInfoKeys, func(i int) (err error) {
		var v int
		switch i {
		case 0:
			info.Dim, err = bounded(r, math.MaxInt32)
		case 1:
			info.Heads, err = bounded(r, math.MaxInt32)
		case 2:
			info.TopK, err = bounded(r, math.MaxInt32)
		case 3:
			info.DenseDims, err = ints(r, MaxDenseSlots, maxDenseDim)
		case 4:
			v, err = bounded(r, 255)
			info.Bits = Bits(v)
		case 5:
			var c uint64
			if c, err = r.ReadUint(); err == nil && c > math.MaxUint32 {
				err = errors.New("over 32 bits")
			}
			info.Codec = uint32(c)
		case 6:
			info.CodesPerEvent, err = bounded(r, math.MaxInt32)
		default:
			info.BytesPerEvent, err = bounded(r, math.MaxInt32)
		}
		return err
	})
	if err != nil {
		return err
	}
	return end(r)
}

// ints reads an array of at most n integers in [0, limit].
func ints(r *msgp.Reader, n, limit int) ([]int, error) {
	m, err := array(r, n)
	if err != nil {
		return nil, err
	}
	out := make([]int, m)
	for i := range out {
		if out[i], err = bounded(r, limit); err != nil {
			return nil, atIndex(i, err)
		}
	}
	return out, nil
}

// EventCount reads the reply of the exports that change the events held.
func (d *Decoder) EventCount(b []byte) (int, error) {
	r := d.reader(b)
	n, err := r.ReadMapHeader()
	if err != nil {
		return 0, err
	}
	count, found := 0, false
	for range n {
		k, err := key(r)
		if err != nil {
			return 0, err
		}
		if k != "events" {
			return 0, unknownKey(k)
		}
		if count, err = bounded(r, MaxEvents); err != nil {
			return 0, at(k, err)
		}
		found = true
	}
	if !found {
		return 0, missingKey("events")
	}
	return count, end(r)
}

// AtEvent prefixes err with the path of event j of a load, as the decoders name it.
func AtEvent(j int, err error) error { return at("events", atIndex(j, err)) }
