package datafile

import (
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// firstAlloc caps the capacity reserved for an array before its elements arrive, so a length
// prefix alone cannot make the reader allocate much.
const firstAlloc = 4096

// decoder reads the body. Every length is checked against its limit before anything is
// allocated for it; repeated short strings (queries, attribute fields and values) are shared.
type decoder struct {
	dec    *msgpack.Decoder
	buf    []byte
	intern map[string]string
	events int
}

func decodeDataset(r io.Reader) (*data.Dataset, error) {
	dc := &decoder{dec: msgpack.NewDecoder(r), intern: make(map[string]string)}
	d := &data.Dataset{}
	n, err := dc.mapLen(&datasetSchema)
	if err != nil {
		return nil, err
	}
	var seen uint8
	for range n {
		key, err := dc.key(&datasetSchema, &seen)
		if err != nil {
			return nil, err
		}
		switch key {
		case "name":
			d.Name, err = dc.str(data.MaxStringBytes, false)
		case "note":
			d.Note, err = dc.str(data.MaxTextBytes, false)
		case "dense_names":
			d.DenseNames, err = dc.denseNames()
		case "dense_dims":
			d.DenseDims, err = dc.denseDims()
		case "items":
			d.Items, err = dc.items()
		case "users":
			d.Users, err = dc.users()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := complete(&datasetSchema, seen); err != nil {
		return nil, err
	}
	return d, nil
}

func (dc *decoder) denseNames() ([]string, error) {
	n, err := dc.arrayLen(data.MaxDenseSlots)
	if err != nil || n == 0 {
		return nil, err
	}
	names := make([]string, n)
	for k := range names {
		if names[k], err = dc.str(data.MaxStringBytes, false); err != nil {
			return nil, fmt.Errorf("[%d]: %w", k, err)
		}
	}
	return names, nil
}

func (dc *decoder) denseDims() ([]int, error) {
	n, err := dc.arrayLen(data.MaxDenseSlots)
	if err != nil || n == 0 {
		return nil, err
	}
	dims := make([]int, n)
	for k := range dims {
		dim, err := dc.dec.DecodeInt64()
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", k, err)
		}
		if dim < 1 || dim > data.MaxDenseDim {
			return nil, fmt.Errorf("[%d]: width %d out of range 1..%d", k, dim, data.MaxDenseDim)
		}
		dims[k] = int(dim)
	}
	return dims, nil
}

func (dc *decoder) items() ([]data.Item, error) {
	n, err := dc.arrayLen(data.MaxItems)
	if err != nil || n == 0 {
		return nil, err
	}
	items := make([]data.Item, 0, min(n, firstAlloc))
	for i := range n {
		var it data.Item
		if err := dc.item(&it); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		items = append(items, it)
	}
	return items, nil
}

func (dc *decoder) item(it *data.Item) error {
	n, err := dc.mapLen(&itemSchema)
	if err != nil {
		return err
	}
	var seen uint8
	for range n {
		key, err := dc.key(&itemSchema, &seen)
		if err != nil {
			return err
		}
		switch key {
		case "id":
			it.ID, err = dc.str(data.MaxStringBytes, false)
		case "text":
			it.Text, err = dc.str(data.MaxTextBytes, false)
		case "attrs":
			it.Attrs, err = dc.attrs()
		case "dense":
			it.Dense, err = dc.dense()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return complete(&itemSchema, seen)
}

func (dc *decoder) attrs() ([]data.Attr, error) {
	n, err := dc.arrayLen(data.MaxAttrs)
	if err != nil || n == 0 {
		return nil, err
	}
	attrs := make([]data.Attr, n)
	for a := range attrs {
		if err := dc.attr(&attrs[a]); err != nil {
			return nil, fmt.Errorf("[%d]: %w", a, err)
		}
	}
	return attrs, nil
}

func (dc *decoder) attr(a *data.Attr) error {
	n, err := dc.mapLen(&attrSchema)
	if err != nil {
		return err
	}
	var seen uint8
	for range n {
		key, err := dc.key(&attrSchema, &seen)
		if err != nil {
			return err
		}
		switch key {
		case "f":
			a.Field, err = dc.str(data.MaxStringBytes, true)
		case "v":
			a.Value, err = dc.str(data.MaxStringBytes, true)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return complete(&attrSchema, seen)
}

func (dc *decoder) dense() ([][]float32, error) {
	n, err := dc.arrayLen(data.MaxDenseSlots)
	if err != nil || n == 0 {
		return nil, err
	}
	dense := make([][]float32, n)
	for k := range dense {
		if dense[k], err = dc.vector(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", k, err)
		}
	}
	return dense, nil
}

// vector reads a nil (the item lacks this slot) or an array of numbers.
func (dc *decoder) vector() ([]float32, error) {
	n, err := dc.dec.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, nil
	}
	if n > data.MaxDenseDim {
		return nil, fmt.Errorf("vector of %d values, more than the limit %d", n, data.MaxDenseDim)
	}
	v := make([]float32, n)
	for j := range v {
		if v[j], err = dc.float(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", j, err)
		}
	}
	return v, nil
}

func (dc *decoder) float() (float32, error) {
	c, err := dc.dec.PeekCode()
	if err != nil {
		return 0, err
	}
	if c == msgpcode.Double {
		f, err := dc.dec.DecodeFloat64()
		return float32(f), err
	}
	return dc.dec.DecodeFloat32()
}

func (dc *decoder) users() ([]data.User, error) {
	n, err := dc.arrayLen(data.MaxUsers)
	if err != nil || n == 0 {
		return nil, err
	}
	users := make([]data.User, 0, min(n, firstAlloc))
	for u := range n {
		var user data.User
		if err := dc.user(&user); err != nil {
			return nil, fmt.Errorf("[%d]: %w", u, err)
		}
		users = append(users, user)
	}
	return users, nil
}

func (dc *decoder) user(user *data.User) error {
	n, err := dc.mapLen(&userSchema)
	if err != nil {
		return err
	}
	var seen uint8
	for range n {
		key, err := dc.key(&userSchema, &seen)
		if err != nil {
			return err
		}
		switch key {
		case "id":
			user.ID, err = dc.str(data.MaxStringBytes, false)
		case "events":
			user.Events, err = dc.userEvents()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return complete(&userSchema, seen)
}

func (dc *decoder) userEvents() ([]data.Event, error) {
	n, err := dc.arrayLen(data.MaxUserEvents)
	if err != nil || n == 0 {
		return nil, err
	}
	if dc.events += n; dc.events > data.MaxEvents {
		return nil, fmt.Errorf("more than the limit of %d events in the dataset", data.MaxEvents)
	}
	events := make([]data.Event, 0, min(n, firstAlloc))
	for e := range n {
		var ev data.Event
		if err := dc.event(&ev); err != nil {
			return nil, fmt.Errorf("[%d]: %w", e, err)
		}
		events = append(events, ev)
	}
	return events, nil
}

func (dc *decoder) event(ev *data.Event) error {
	n, err := dc.mapLen(&eventSchema)
	if err != nil {
		return err
	}
	var seen uint8
	for range n {
		key, err := dc.key(&eventSchema, &seen)
		if err != nil {
			return err
		}
		switch key {
		case "t":
			ev.Time, err = dc.dec.DecodeInt64()
		case "k":
			var k uint64
			if k, err = dc.dec.DecodeUint64(); err == nil && k > math.MaxUint8 {
				err = fmt.Errorf("kind %d out of range", k)
			}
			ev.Kind = data.Kind(k)
		case "q":
			ev.Query, err = dc.str(data.MaxStringBytes, true)
		case "i":
			var i int64
			if i, err = dc.dec.DecodeInt64(); err == nil && (i < 0 || i >= data.MaxItems) {
				err = fmt.Errorf("item index %d out of range", i)
			}
			ev.Item = int32(i)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return complete(&eventSchema, seen)
}

// arrayLen reads an array header of at most limit elements; nil reads as an empty array.
func (dc *decoder) arrayLen(limit int) (int, error) {
	n, err := dc.dec.DecodeArrayLen()
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, fmt.Errorf("array of %d elements, more than the limit %d", n, limit)
	}
	return max(n, 0), nil
}

// str reads a string of at most limit bytes; nil reads as "". Interned strings are shared
// between all the places that hold the same value.
func (dc *decoder) str(limit int, intern bool) (string, error) {
	b, err := dc.bytes(limit)
	if err != nil {
		return "", err
	}
	if !intern {
		return string(b), nil
	}
	if s, ok := dc.intern[string(b)]; ok {
		return s, nil
	}
	s := string(b)
	dc.intern[s] = s
	return s, nil
}

// bytes reads a string's bytes into the decoder's buffer, valid until the next call.
func (dc *decoder) bytes(limit int) ([]byte, error) {
	n, err := dc.dec.DecodeBytesLen()
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("string of %d bytes, more than the limit %d", n, limit)
	}
	if n <= 0 {
		return nil, nil
	}
	if cap(dc.buf) < n {
		dc.buf = make([]byte, n)
	}
	b := dc.buf[:n]
	if err := dc.dec.ReadFull(b); err != nil {
		return nil, err
	}
	return b, nil
}

// mapSchema lists the keys one kind of map may hold (at most eight) and which of them it must.
type mapSchema struct {
	what     string
	keys     []string
	required uint8 // bit k set: keys[k] must be present
}

var (
	datasetSchema = mapSchema{"dataset", []string{"name", "note", "dense_names", "dense_dims", "items", "users"}, 0b110001}
	itemSchema    = mapSchema{"item", []string{"id", "text", "attrs", "dense"}, 0b0001}
	attrSchema    = mapSchema{"attribute", []string{"f", "v"}, 0b11}
	userSchema    = mapSchema{"user", []string{"id", "events"}, 0b11}
	eventSchema   = mapSchema{"event", []string{"t", "k", "q", "i"}, 0b1011}
)

// mapLen reads the header of a map of the given schema.
func (dc *decoder) mapLen(schema *mapSchema) (int, error) {
	n, err := dc.dec.DecodeMapLen()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > len(schema.keys) {
		return 0, fmt.Errorf("%s map with %d keys, want at most %d", schema.what, n, len(schema.keys))
	}
	return n, nil
}

// complete checks that every required key of schema was read.
func complete(schema *mapSchema, seen uint8) error {
	missing := schema.required &^ seen
	if missing == 0 {
		return nil
	}
	return fmt.Errorf("%s map lacks key %q", schema.what, schema.keys[bits.TrailingZeros8(missing)])
}

// key reads a map key, which must be one of schema's keys and not yet in seen (a bit per key). It
// returns the schema's string, so matching it allocates nothing.
func (dc *decoder) key(schema *mapSchema, seen *uint8) (string, error) {
	b, err := dc.bytes(data.MaxStringBytes)
	if err != nil {
		return "", fmt.Errorf("key: %w", err)
	}
	for k, key := range schema.keys {
		if string(b) != key {
			continue
		}
		if *seen&(1<<k) != 0 {
			return "", fmt.Errorf("key %q repeated", key)
		}
		*seen |= 1 << k
		return key, nil
	}
	return "", fmt.Errorf("unknown %s key %q", schema.what, b)
}
