package modelfile

import (
	"bytes"
	"hash/crc32"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// Error is a Load failure: Kind (one of ErrNotModel, ErrVersion, ErrChecksum, ErrCorrupt), where
// and what, and the underlying decoding error if there is one.
type Error struct {
	Kind    error
	Context string
	Cause   error
}

func (e *Error) Error() string {
	s := "modelfile: " + e.Kind.Error()
	if e.Context != "" {
		s += ": " + e.Context
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// corrupt returns an ErrCorrupt error; given an *Error as the cause, it adds context to it instead.
func corrupt(context string, cause error) *Error {
	if inner, ok := cause.(*Error); ok {
		if context != "" {
			inner.Context = context + ": " + inner.Context
		}
		return inner
	}
	return &Error{Kind: ErrCorrupt, Context: context, Cause: cause}
}

// Load reads a model file. It returns the model and the extra sections (copies, never nil), or an
// *Error saying what is wrong with b.
func Load(b []byte) (*model.Model, map[string][]byte, error) {
	if len(b) > MaxFileSize {
		return nil, nil, corrupt("file of "+strconv.Itoa(len(b))+" bytes over the limit of "+
			strconv.Itoa(MaxFileSize), nil)
	}
	r := msgp.NewReader(b)
	r.SetLimits(msgp.Limits{MaxStr: MaxNameLen, MaxBin: MaxFileSize, MaxArray: MaxFileSize, MaxMap: MaxExtras})
	n, err := r.ReadMapHeader()
	if err != nil {
		return nil, nil, &Error{Kind: ErrNotModel, Context: "want a map", Cause: err}
	}
	if err := readKey(r, "magic"); err != nil {
		err.Kind = ErrNotModel
		return nil, nil, err
	}
	if magic, err := r.ReadStringBytes(); err != nil || string(magic) != Magic {
		return nil, nil, &Error{Kind: ErrNotModel, Context: "bad magic", Cause: err}
	}
	if err := readKey(r, "version"); err != nil {
		return nil, nil, err
	}
	version, err := r.ReadInt()
	if err != nil {
		return nil, nil, corrupt("version", err)
	}
	if version != Version {
		return nil, nil, &Error{Kind: ErrVersion, Context: "version " + strconv.FormatInt(version, 10) +
			", this reader knows " + strconv.Itoa(Version)}
	}
	if err := checkTrailer(b); err != nil {
		return nil, nil, err
	}
	if n != numEntries {
		return nil, nil, corrupt("top-level map has "+strconv.Itoa(n)+" entries, want "+strconv.Itoa(numEntries), nil)
	}

	if err := readKey(r, "config"); err != nil {
		return nil, nil, err
	}
	cfg, err := readConfig(r)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, corrupt("config", err)
	}
	// Refuse a configuration the file is too small to hold before allocating its parameters.
	if n := cfg.NumParams(); 4*n > len(b) {
		return nil, nil, corrupt("config declares "+strconv.Itoa(n)+" parameters, more than a file of "+
			strconv.Itoa(len(b))+" bytes holds", nil)
	}
	m, err := model.NewZero(cfg)
	if err != nil {
		return nil, nil, corrupt("config", err)
	}
	if err := readKey(r, "tensors"); err != nil {
		return nil, nil, err
	}
	if err := readTensors(r, m); err != nil {
		return nil, nil, err
	}
	if err := readKey(r, "extras"); err != nil {
		return nil, nil, err
	}
	extras, err := readExtras(r)
	if err != nil {
		return nil, nil, err
	}
	if r.Offset() != len(b)-trailerLen {
		return nil, nil, corrupt("checksum entry at offset "+strconv.Itoa(r.Offset())+", the file ends at "+
			strconv.Itoa(len(b)), nil)
	}
	return m, extras, nil
}

// checkTrailer checks the checksum entry that ends the file.
func checkTrailer(b []byte) error {
	if len(b) < trailerLen || !bytes.Equal(b[len(b)-trailerLen:len(b)-4], trailerKey) {
		return corrupt("no checksum at the end of the file (truncated?)", nil)
	}
	body := b[:len(b)-trailerLen]
	want := uint32(b[len(b)-4])<<24 | uint32(b[len(b)-3])<<16 | uint32(b[len(b)-2])<<8 | uint32(b[len(b)-1])
	if got := crc32.ChecksumIEEE(body); got != want {
		return &Error{Kind: ErrChecksum, Context: "file says " + strconv.FormatUint(uint64(want), 16) +
			", content gives " + strconv.FormatUint(uint64(got), 16)}
	}
	return nil
}

func readKey(r *msgp.Reader, want string) *Error {
	at := r.Offset()
	key, err := r.ReadStringBytes()
	if err != nil {
		return corrupt("reading key "+strconv.Quote(want), err)
	}
	if string(key) != want {
		return corrupt("key "+strconv.Quote(string(key))+" at offset "+strconv.Itoa(at)+", want "+
			strconv.Quote(want), nil)
	}
	return nil
}

// fields reads a map whose keys are names from known, each at most once and all but those in
// optional present, calling read for each value.
func fields(r *msgp.Reader, what string, known, optional []string, read func(key string) error) error {
	n, err := r.ReadMapHeader()
	if err != nil {
		return corrupt(what, err)
	}
	seen := make([]bool, len(known))
	for range n {
		key, err := r.ReadStringBytes()
		if err != nil {
			return corrupt(what+" key", err)
		}
		i := indexOf(known, string(key))
		switch {
		case i < 0:
			return corrupt(what+": unknown field "+strconv.Quote(string(key)), nil)
		case seen[i]:
			return corrupt(what+": duplicate field "+strconv.Quote(string(key)), nil)
		}
		seen[i] = true
		if err := read(known[i]); err != nil {
			return err
		}
	}
	for i, ok := range seen {
		if !ok && indexOf(optional, known[i]) < 0 {
			return corrupt(what+": missing field "+strconv.Quote(known[i]), nil)
		}
	}
	return nil
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

var configFields = []string{"dim", "heads", "top_k", "id_buckets", "token_buckets", "attr_buckets",
	"dense_dims", "mlp_hidden", "seed", "age_buckets"}

// optionalConfigFields came after the first files: a file without them has their zero value.
var optionalConfigFields = []string{"age_buckets"}

func readConfig(r *msgp.Reader) (model.Config, error) {
	var c model.Config
	ints := map[string]*int{"dim": &c.Dim, "heads": &c.Heads, "top_k": &c.TopK, "id_buckets": &c.IDBuckets,
		"token_buckets": &c.TokenBuckets, "attr_buckets": &c.AttrBuckets, "age_buckets": &c.AgeBuckets}
	err := fields(r, "config", configFields, optionalConfigFields, func(key string) error {
		var err error
		switch key {
		case "dense_dims":
			c.DenseDims, err = readInts(r, model.MaxDenseSlots)
		case "mlp_hidden":
			c.MLPHidden, err = readInts(r, model.MaxMLPLayers)
		case "seed":
			c.Seed, err = r.ReadUint()
		default:
			*ints[key], err = readInt(r)
		}
		if err != nil {
			return corrupt("config field "+strconv.Quote(key), err)
		}
		return nil
	})
	return c, err
}

// readInt reads an integer that fits an int32, which bounds every size the format holds.
func readInt(r *msgp.Reader) (int, error) {
	v, err := r.ReadInt()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, corrupt(strconv.FormatInt(v, 10)+" out of range", nil)
	}
	return int(v), nil
}

func readInts(r *msgp.Reader, limit int) ([]int, error) {
	n, err := r.ReadArrayHeader()
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, corrupt(strconv.Itoa(n)+" elements over the limit of "+strconv.Itoa(limit), nil)
	}
	v := make([]int, n)
	for i := range v {
		if v[i], err = readInt(r); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var tensorFields = []string{"name", "shape", "data"}

func readTensors(r *msgp.Reader, m *model.Model) error {
	tensors := m.Tensors()
	n, err := r.ReadArrayHeader()
	if err != nil {
		return corrupt("tensors", err)
	}
	if n > len(tensors) {
		return corrupt(strconv.Itoa(n)+" tensors, the configuration has "+strconv.Itoa(len(tensors)), nil)
	}
	loaded := make([]bool, len(tensors))
	for i := range n {
		if err := readTensor(r, tensors, loaded); err != nil {
			return corrupt("tensor "+strconv.Itoa(i), err)
		}
	}
	for i, ok := range loaded {
		if !ok {
			return corrupt("missing tensor "+strconv.Quote(tensors[i].Name), nil)
		}
	}
	return nil
}

func readTensor(r *msgp.Reader, tensors []model.Tensor, loaded []bool) error {
	var name string
	var shape []int
	var data []byte
	err := fields(r, "tensor", tensorFields, nil, func(key string) error {
		var err error
		switch key {
		case "name":
			name, err = r.ReadString()
		case "shape":
			shape, err = readInts(r, maxShapeRank)
		case "data":
			data, err = r.ReadBin()
		}
		if err != nil {
			return corrupt("field "+strconv.Quote(key), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	i := -1
	for j, t := range tensors {
		if t.Name == name {
			i = j
		}
	}
	if i < 0 {
		return corrupt("unknown tensor "+strconv.Quote(name), nil)
	}
	if loaded[i] {
		return corrupt("duplicate tensor "+strconv.Quote(name), nil)
	}
	t := tensors[i]
	if !equalShapes(shape, t.Shape) {
		return corrupt("tensor "+strconv.Quote(name)+" has shape "+formatShape(shape)+", the configuration says "+
			formatShape(t.Shape), nil)
	}
	if len(data) != 4*len(t.Data) {
		return corrupt("tensor "+strconv.Quote(name)+" has "+strconv.Itoa(len(data))+" bytes of data, want "+
			strconv.Itoa(4*len(t.Data)), nil)
	}
	if j := decodeFloats(t.Data, data); j >= 0 {
		return corrupt("tensor "+strconv.Quote(name)+" element "+strconv.Itoa(j)+" is not finite", nil)
	}
	loaded[i] = true
	return nil
}

func equalShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func formatShape(s []int) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += strconv.Itoa(v)
	}
	return out + "]"
}

func readExtras(r *msgp.Reader) (map[string][]byte, error) {
	n, err := r.ReadMapHeader()
	if err != nil {
		return nil, corrupt("extras", err)
	}
	if n > MaxExtras {
		return nil, corrupt(strconv.Itoa(n)+" extra sections over the limit of "+strconv.Itoa(MaxExtras), nil)
	}
	extras := make(map[string][]byte, n)
	for range n {
		name, err := r.ReadString()
		if err != nil {
			return nil, corrupt("extra section name", err)
		}
		if name == "" {
			return nil, corrupt("extra section with an empty name", nil)
		}
		if _, dup := extras[name]; dup {
			return nil, corrupt("duplicate extra section "+strconv.Quote(name), nil)
		}
		data, err := r.ReadBin()
		if err != nil {
			return nil, corrupt("extra section "+strconv.Quote(name), err)
		}
		extras[name] = bytes.Clone(data)
	}
	return extras, nil
}
