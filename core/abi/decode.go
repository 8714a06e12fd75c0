package abi

import (
	"errors"
	"math"
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

// at prefixes err with a map key, joined to a deeper path by a dot.
func at(key string, err error) error {
	if pe, ok := err.(*pathError); ok {
		if pe.path[0] == '[' {
			return &pathError{path: key + pe.path, err: pe.err}
		}
		return &pathError{path: key + "." + pe.path, err: pe.err}
	}
	return &pathError{path: key, err: err}
}

// field prefixes the error of map key k's value with k; an unknown key is its map's error.
func field(k string, err error) error {
	if ke, ok := err.(*keyError); ok && !ke.passed {
		ke.passed = true
		return err
	}
	return at(k, err)
}

// atIndex prefixes err with an array index.
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
type keyError struct {
	key    string
	passed bool // the key's own level has passed it on
}

func (e *keyError) Error() string { return "unknown key " + strconv.Quote(e.key) }

func unknownKey(k string) error { return &keyError{key: k} }

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
		return "", errors.New(strconv.Itoa(len(b)) + " bytes, more than the limit of " + strconv.Itoa(limit))
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
		return 0, errors.New(strconv.Itoa(n) + " elements, more than the limit of " + strconv.Itoa(limit))
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
		return 0, errors.New(strconv.FormatInt(v, 10) + ", want 0 to " + strconv.Itoa(limit))
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

// Item reads an item map into it, reusing its slices.
func (d *Decoder) Item(r *msgp.Reader, it *Item) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	it.ID, it.Text, it.Attrs, it.Dense = "", "", it.Attrs[:0], it.Dense[:0]
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "id":
			if err = keys.add(0, k); err == nil {
				it.ID, err = d.str(r, MaxStringBytes)
			}
		case "text":
			if err = keys.add(1, k); err == nil {
				it.Text, err = d.str(r, MaxTextBytes)
			}
		case "attrs":
			if err = keys.add(2, k); err == nil {
				err = d.attrs(r, it)
			}
		case "dense":
			if err = keys.add(3, k); err == nil {
				err = d.dense(r, it)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	return nil
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
	n, err := r.ReadMapHeader()
	if err != nil {
		return errors.New("an attribute is neither {f, v} nor [field, value]: " + err.Error())
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "f":
			if err = keys.add(0, k); err == nil {
				a.Field, err = d.str(r, MaxStringBytes)
			}
		case "v":
			if err = keys.add(1, k); err == nil {
				a.Value, err = d.str(r, MaxStringBytes)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
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
			if x[i], err = finite(r); err != nil {
				return atIndex(k, atIndex(i, err))
			}
		}
		it.Dense = append(it.Dense, x)
	}
	return nil
}

// Event reads an event map into ev, reusing its item's slices, and checks it (Event.Validate).
func (d *Decoder) Event(r *msgp.Reader, ev *Event) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	ev.Time, ev.Kind, ev.Query = 0, Browse, ""
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "t":
			if err = keys.add(0, k); err == nil {
				ev.Time, err = integer(r)
			}
		case "k":
			if err = keys.add(1, k); err == nil {
				var v int
				v, err = bounded(r, int(Search))
				ev.Kind = Kind(v)
			}
		case "q":
			if err = keys.add(2, k); err == nil {
				ev.Query, err = d.str(r, MaxStringBytes)
			}
		case "item":
			if err = keys.add(3, k); err == nil {
				err = d.Item(r, &ev.Item)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	switch {
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
	n, err := r.ReadMapHeader()
	if err != nil {
		return opts, Events{}, err
	}
	var keys seen
	var events Events
	for range n {
		k, err := key(r)
		if err != nil {
			return opts, Events{}, err
		}
		switch k {
		case "exact":
			if err = keys.add(0, k); err == nil {
				opts.Exact, err = r.ReadBool()
			}
		case "int8":
			if err = keys.add(1, k); err == nil {
				opts.Int8, err = r.ReadBool()
			}
		case "skip_fine":
			if err = keys.add(2, k); err == nil {
				opts.SkipFine, err = r.ReadBool()
			}
		case "events":
			if err = keys.add(3, k); err == nil {
				events, err = d.eventArray(r, nil)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return opts, Events{}, field(k, err)
		}
	}
	if !keys.has(3) {
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
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	req.Query, req.Candidates, req.Options = "", req.Candidates[:0], RankOptions{}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "query":
			if err = keys.add(0, k); err == nil {
				req.Query, err = d.str(r, MaxStringBytes)
			}
		case "candidates":
			if err = keys.add(1, k); err == nil {
				err = d.candidates(r, req)
			}
		case "options":
			if err = keys.add(2, k); err == nil {
				err = d.options(r, &req.Options)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	if !keys.has(1) {
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
	n, err := mapHeader(r)
	if err != nil {
		return err
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		var v int
		switch k {
		case "k":
			if err = keys.add(0, k); err == nil {
				o.K, err = bounded(r, MaxTopK)
			}
		case "shortlist":
			if err = keys.add(1, k); err == nil {
				o.Shortlist, err = bounded(r, MaxTopK)
			}
		case "exact":
			if err = keys.add(2, k); err == nil {
				o.Exact, err = r.ReadBool()
			}
		case "bits":
			if err = keys.add(3, k); err == nil {
				v, err = bounded(r, 255)
				o.Bits = Bits(v)
			}
		case "heads":
			if err = keys.add(4, k); err == nil {
				v, err = bounded(r, 255)
				o.Heads = Heads(v)
			}
		case "refine":
			if err = keys.add(5, k); err == nil {
				v, err = bounded(r, 255)
				o.Refine = Source(v)
			}
		case "esu":
			if err = keys.add(6, k); err == nil {
				v, err = bounded(r, 255)
				o.ESU = Source(v)
			}
		case "weights":
			if err = keys.add(7, k); err == nil {
				err = d.partWeights(r, o)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	return nil
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
			return field(k, err)
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
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	order, scores := rep.Order[:0], rep.Scores[:0]
	*rep = RankReply{}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "order":
			if err = keys.add(0, k); err == nil {
				rep.Order, err = int32s(r, order)
			}
		case "scores":
			if err = keys.add(1, k); err == nil {
				rep.Scores, err = float32s(r, scores)
			}
		case "exact":
			if err = keys.add(2, k); err == nil {
				rep.Exact, err = r.ReadBool()
			}
		case "bits":
			if err = keys.add(3, k); err == nil {
				var v int
				v, err = bounded(r, 255)
				rep.Bits = Bits(v)
			}
		case "timings":
			if err = keys.add(4, k); err == nil {
				err = timings(r, &rep.Timings)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	if !keys.has(0) || !keys.has(1) {
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
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		var f *float64
		switch k {
		case "total_us":
			f = &t.Total
		case "lut_us":
			f = &t.LUT
		case "scan_us":
			f = &t.Scan
		case "topk_us":
			f = &t.TopK
		case "esu_us":
			f = &t.ESU
		default:
			return unknownKey(k)
		}
		if *f, err = finite64(r); err != nil {
			return field(k, err)
		}
	}
	return nil
}

// ModelInfo reads a load_model reply.
func (d *Decoder) ModelInfo(b []byte, info *ModelInfo) error {
	r := d.reader(b)
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	*info = ModelInfo{}
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		var v int
		switch k {
		case "dim":
			info.Dim, err = bounded(r, math.MaxInt32)
		case "heads":
			info.Heads, err = bounded(r, math.MaxInt32)
		case "top_k":
			info.TopK, err = bounded(r, math.MaxInt32)
		case "dense_dims":
			var m int
			if m, err = array(r, MaxDenseSlots); err == nil {
				info.DenseDims = make([]int, m)
				for i := range m {
					if info.DenseDims[i], err = bounded(r, maxDenseDim); err != nil {
						err = atIndex(i, err)
						break
					}
				}
			}
		case "bits":
			v, err = bounded(r, 255)
			info.Bits = Bits(v)
		case "codec":
			var c uint64
			if c, err = r.ReadUint(); err == nil && c > math.MaxUint32 {
				err = errors.New("over 32 bits")
			}
			info.Codec = uint32(c)
		case "codes_per_event":
			info.CodesPerEvent, err = bounded(r, math.MaxInt32)
		case "bytes_per_event":
			info.BytesPerEvent, err = bounded(r, math.MaxInt32)
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return field(k, err)
		}
	}
	return end(r)
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
			return 0, field(k, err)
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
