package main

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// This file reads the request messages of docs/abi.md with core/msgp. Decoding reuses buffers
// that grow to the largest message seen, and strings alias the request bytes (they are hashed,
// never kept), so that decoding an event or a candidate allocates nothing.

// itemBuf is an item decoded in place: item's slices alias attrs and dense.
type itemBuf struct {
	item  data.Item
	dense [][]float32 // backing of each dense slot
}

// readLimits bound the lengths the Reader accepts before the schema checks its own.
func readLimits() msgp.Limits {
	return msgp.Limits{MaxStr: data.MaxTextBytes, MaxBin: 0, MaxArray: maxEvents, MaxMap: 64}
}

// path prefixes err with where in the message it happened; it runs on errors only.
func path(where string, err error) error { return errors.New(where + ": " + err.Error()) }

func index(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// key reads a map key.
func key(r *msgp.Reader) (string, error) {
	b, err := r.ReadStringBytes()
	if err != nil {
		return "", errors.New("map key: " + err.Error())
	}
	return alias(b), nil
}

// alias returns b as a string without copying; b must outlive the string's use.
func alias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// readString reads a UTF-8 str of at most limit bytes, aliasing the input. nil reads as "".
func readString(r *msgp.Reader, limit int) (string, error) {
	if r.IsNil() {
		return "", r.ReadNil()
	}
	b, err := r.ReadStringBytes()
	if err != nil {
		return "", err
	}
	if len(b) > limit {
		return "", errors.New(strconv.Itoa(len(b)) + " bytes, more than " + strconv.Itoa(limit))
	}
	if !utf8.Valid(b) {
		return "", errors.New("not valid UTF-8")
	}
	return alias(b), nil
}

// readArray reads an array header of at most limit elements; nil reads as 0 elements.
func readArray(r *msgp.Reader, limit int) (int, error) {
	if r.IsNil() {
		return 0, r.ReadNil()
	}
	n, err := r.ReadArrayHeader()
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, errors.New(strconv.Itoa(n) + " elements, more than " + strconv.Itoa(limit))
	}
	return n, nil
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

func unknownKey(k string) error { return errors.New("unknown key " + strconv.Quote(k)) }

// readItem reads an item map {id, text, attrs, dense} into ib for a model with denseDims.
func readItem(r *msgp.Reader, ib *itemBuf, denseDims []int) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	it := &ib.item
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
				it.ID, err = readString(r, data.MaxStringBytes)
			}
		case "text":
			if err = keys.add(1, k); err == nil {
				it.Text, err = readString(r, data.MaxTextBytes)
			}
		case "attrs":
			if err = keys.add(2, k); err == nil {
				err = readAttrs(r, it)
			}
		case "dense":
			if err = keys.add(3, k); err == nil {
				err = readDense(r, ib, denseDims)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return path(k, err)
		}
	}
	return nil
}

// readAttrs reads an array of attributes, each [field, value] or {f: field, v: value}.
func readAttrs(r *msgp.Reader, it *data.Item) error {
	n, err := readArray(r, data.MaxAttrs)
	if err != nil {
		return err
	}
	for i := range n {
		var a data.Attr
		if err := readAttr(r, &a); err != nil {
			return path(index("", i), err)
		}
		it.Attrs = append(it.Attrs, a)
	}
	return nil
}

func readAttr(r *msgp.Reader, a *data.Attr) error {
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
		if a.Field, err = readString(r, data.MaxStringBytes); err != nil {
			return path("field", err)
		}
		if a.Value, err = readString(r, data.MaxStringBytes); err != nil {
			return path("value", err)
		}
		return nil
	}
	n, err := r.ReadMapHeader()
	if err != nil {
		return errors.New("an attribute is neither [field, value] nor {f, v}: " + err.Error())
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
				a.Field, err = readString(r, data.MaxStringBytes)
			}
		case "v":
			if err = keys.add(1, k); err == nil {
				a.Value, err = readString(r, data.MaxStringBytes)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return path(k, err)
		}
	}
	if keys != 3 {
		return errors.New("an attribute map needs both f and v")
	}
	return nil
}

// readDense reads one entry per dense slot of the model (or fewer): nil, or an array of the
// slot's width of finite numbers.
func readDense(r *msgp.Reader, ib *itemBuf, dims []int) error {
	n, err := readArray(r, len(dims))
	if err != nil {
		return errors.New(err.Error() + " (the model's dense slots)")
	}
	for len(ib.dense) < n {
		ib.dense = append(ib.dense, nil)
	}
	it := &ib.item
	for k := range n {
		if r.IsNil() {
			if err := r.ReadNil(); err != nil {
				return err
			}
			it.Dense = append(it.Dense, nil)
			continue
		}
		w, err := r.ReadArrayHeader()
		if err != nil {
			return path(index("", k), err)
		}
		if w != dims[k] {
			return errors.New("slot " + strconv.Itoa(k) + " has width " + strconv.Itoa(w) +
				", the model's is " + strconv.Itoa(dims[k]))
		}
		if cap(ib.dense[k]) < w {
			ib.dense[k] = make([]float32, w)
		}
		x := ib.dense[k][:w]
		for i := range x {
			v, err := r.ReadFloat32()
			if err != nil {
				return path(index("", k)+index("", i), err)
			}
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return errors.New(index("", k) + index("", i) + ": not a finite number")
			}
			x[i] = v
		}
		it.Dense = append(it.Dense, x)
	}
	return nil
}

// readEvent reads an event map {t, k, q, item}; t and item are required.
func readEvent(r *msgp.Reader, ev *retrieval.Event, ib *itemBuf, denseDims []int) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	*ev = retrieval.Event{}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "t":
			if err = keys.add(0, k); err == nil {
				ev.Time, err = readInt(r)
			}
		case "k":
			if err = keys.add(1, k); err == nil {
				ev.Kind, err = readKind(r)
			}
		case "q":
			if err = keys.add(2, k); err == nil {
				ev.Query, err = readString(r, data.MaxStringBytes)
			}
		case "item":
			if err = keys.add(3, k); err == nil {
				err = readItem(r, ib, denseDims)
				ev.Item = &ib.item
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return path(k, err)
		}
	}
	switch {
	case keys&1 == 0:
		return errors.New("missing key \"t\"")
	case keys&(1<<3) == 0:
		return errors.New("missing key \"item\"")
	case ev.Kind == data.Browse && ev.Query != "":
		return errors.New("a browse event (k 0) with a query")
	}
	return nil
}

// readInt reads an integer; a float with an integral value in ±2^53 counts as one, for
// encoders that write every number as a float.
func readInt(r *msgp.Reader) (int64, error) {
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

func readKind(r *msgp.Reader) (data.Kind, error) {
	k, err := readInt(r)
	if err != nil {
		return 0, err
	}
	if k != int64(data.Browse) && k != int64(data.Search) {
		return 0, errors.New("kind " + strconv.FormatInt(k, 10) + ", want 0 (browse) or 1 (search)")
	}
	return data.Kind(k), nil
}

// eventsMessage is the input of load_events: the events and what to keep besides the codes.
type eventsMessage struct {
	n     int  // events that follow in the Reader
	exact bool // keep the float32 event vectors, for exact ranking
	int8  bool // keep an int8 copy of each event vector (retrieval.StoreOptions.Int8)
	// drop a two-stage codec's fine codes (retrieval.StoreOptions.SkipFine)
	skipFine bool
}

// readEventsMessage reads the input of load_events or append_events: an array of events, or
// (allowMap, for load_events) a map {events, exact, int8, skip_fine} in any order. It checks the
// structure and skips the events, which seekEvents then finds for a pass over them.
func readEventsMessage(r *msgp.Reader, allowMap bool) (eventsMessage, error) {
	var msg eventsMessage
	t, err := r.PeekType()
	if err != nil {
		return msg, err
	}
	if t != msgp.TypeMap || !allowMap {
		msg.n, err = skipEvents(r)
		return msg, err
	}
	n, err := r.ReadMapHeader()
	if err != nil {
		return msg, err
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return msg, err
		}
		switch k {
		case "exact":
			if err = keys.add(0, k); err == nil {
				msg.exact, err = r.ReadBool()
			}
		case "int8":
			if err = keys.add(1, k); err == nil {
				msg.int8, err = r.ReadBool()
			}
		case "events":
			if err = keys.add(2, k); err == nil {
				msg.n, err = skipEvents(r)
			}
		case "skip_fine":
			if err = keys.add(3, k); err == nil {
				msg.skipFine, err = r.ReadBool()
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return msg, path(k, err)
		}
	}
	if keys&(1<<2) == 0 {
		return msg, errors.New("missing key \"events\"")
	}
	return msg, nil
}

// skipEvents reads an array of events without decoding them and returns their number.
func skipEvents(r *msgp.Reader) (int, error) {
	n, err := readEventArray(r)
	for j := 0; j < n && err == nil; j++ {
		if err = r.Skip(); err != nil {
			err = path(index("events", j), err)
		}
	}
	return n, err
}

// seekEvents reads a message that readEventsMessage accepted up to its first event and
// returns the number of events.
func seekEvents(r *msgp.Reader) (int, error) {
	if t, err := r.PeekType(); err != nil || t != msgp.TypeMap {
		return readEventArray(r)
	}
	n, err := r.ReadMapHeader()
	if err != nil {
		return 0, err
	}
	for range n {
		k, err := key(r)
		if err != nil {
			return 0, err
		}
		if k == "events" {
			return readEventArray(r)
		}
		if err := r.Skip(); err != nil {
			return 0, err
		}
	}
	return 0, errors.New("missing key \"events\"")
}

func readEventArray(r *msgp.Reader) (int, error) {
	n, err := r.ReadArrayHeader()
	if err != nil {
		return 0, errors.New("events: " + err.Error())
	}
	if n > maxEvents {
		return 0, errors.New("events: " + strconv.Itoa(n) + " events, more than " + strconv.Itoa(maxEvents))
	}
	return n, nil
}

// rankRequest is a decoded rank request; its items alias the request bytes and the decoder's
// buffers.
type rankRequest struct {
	query string
	kind  data.Kind
	cands []retrieval.Candidate
	bits  int // 0 exact, 4 or 8; -1 when the request leaves it to the model
	opt   retrieval.Options
	// weights backs opt.Weights when the request gives part weights.
	weights [model.NumParts]float32
}

// rankDecoder reads rank requests into buffers reused from call to call.
type rankDecoder struct {
	items []itemBuf
	cands []retrieval.Candidate
}

func (d *rankDecoder) read(r *msgp.Reader, req *rankRequest, denseDims []int) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	*req = rankRequest{bits: -1}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "query":
			if err = keys.add(0, k); err == nil {
				req.query, err = readString(r, data.MaxStringBytes)
			}
		case "kind":
			if err = keys.add(1, k); err == nil {
				req.kind, err = readKind(r)
			}
		case "candidates":
			if err = keys.add(2, k); err == nil {
				err = d.readCandidates(r, denseDims)
			}
		case "options":
			if err = keys.add(3, k); err == nil {
				err = readOptions(r, req)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return path(k, err)
		}
	}
	if keys&(1<<2) == 0 {
		return errors.New("missing key \"candidates\"")
	}
	req.cands = d.cands
	for i := range req.cands {
		req.cands[i].Query, req.cands[i].Kind = req.query, req.kind
	}
	return nil
}

func (d *rankDecoder) readCandidates(r *msgp.Reader, denseDims []int) error {
	n, err := readArray(r, maxCandidates)
	if err != nil {
		return err
	}
	for len(d.items) < n {
		d.items = append(d.items, itemBuf{})
	}
	d.cands = d.cands[:0]
	for i := range n {
		if err := readItem(r, &d.items[i], denseDims); err != nil {
			return path(index("", i), err)
		}
		d.cands = append(d.cands, retrieval.Candidate{Item: &d.items[i].item})
	}
	return nil
}

// readOptions reads the options map {k, shortlist, bits, heads, refine, esu, weights}.
func readOptions(r *msgp.Reader, req *rankRequest) error {
	if r.IsNil() {
		return r.ReadNil()
	}
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		switch k {
		case "k":
			if err = keys.add(0, k); err == nil {
				req.opt.K, err = readBounded(r, model.MaxTopK)
			}
		case "shortlist":
			if err = keys.add(1, k); err == nil {
				req.opt.Shortlist, err = readBounded(r, model.MaxTopK)
			}
		case "bits":
			if err = keys.add(2, k); err == nil {
				req.bits, err = readBounded(r, 8)
				if err == nil && req.bits != 0 && req.bits != 4 && req.bits != 8 {
					err = errors.New(strconv.Itoa(req.bits) + ", want 0 (exact), 4 or 8")
				}
			}
		case "heads":
			if err = keys.add(3, k); err == nil {
				var h int
				h, err = readBounded(r, int(retrieval.PerHead))
				req.opt.Heads = retrieval.Heads(h)
			}
		case "refine":
			if err = keys.add(4, k); err == nil {
				req.opt.Refine, err = readVectors(r)
			}
		case "esu":
			if err = keys.add(5, k); err == nil {
				req.opt.ESU, err = readVectors(r)
			}
		case "weights":
			if err = keys.add(6, k); err == nil {
				err = readWeights(r, req)
			}
		default:
			err = unknownKey(k)
		}
		if err != nil {
			return path(k, err)
		}
	}
	return nil
}

// readBounded reads an integer in [0, limit].
func readBounded(r *msgp.Reader, limit int) (int, error) {
	v, err := readInt(r)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > int64(limit) {
		return 0, errors.New(strconv.FormatInt(v, 10) + ", want 0 to " + strconv.Itoa(limit))
	}
	return int(v), nil
}

func readVectors(r *msgp.Reader) (retrieval.Vectors, error) {
	v, err := readBounded(r, int(retrieval.FromCoarse))
	return retrieval.Vectors(v), err
}

// readWeights reads a map from part names (model.Part.String) to weights; parts it leaves out
// weigh 1.
func readWeights(r *msgp.Reader, req *rankRequest) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return err
	}
	for p := range req.weights {
		req.weights[p] = 1
	}
	var keys seen
	for range n {
		k, err := key(r)
		if err != nil {
			return err
		}
		p := partByName(k)
		if p < 0 {
			return errors.New("unknown part " + strconv.Quote(k) + ", want query, id, text, attrs or dense")
		}
		if err := keys.add(uint(p), k); err != nil {
			return err
		}
		w, err := r.ReadFloat32()
		if err != nil {
			return path(k, err)
		}
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return errors.New(k + ": not a finite number")
		}
		req.weights[p] = w
	}
	req.opt.Weights = req.weights[:]
	return nil
}

func partByName(name string) model.Part {
	for p := model.Part(0); p < model.NumParts; p++ {
		if p.String() == name {
			return p
		}
	}
	return -1
}
