package retrieval

import (
	"errors"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
)

// MaxEvents bounds the events of one store, as data.MaxUserEvents bounds a user's sequence.
const MaxEvents = data.MaxUserEvents

// Vectors says where the refine step and the ESU get an event's vector from.
type Vectors uint8

const (
	// FromCodes decodes every code the store keeps: the coarse codes, plus the fine codes of a
	// two-stage codec's residual when the store keeps them (decode(coarse) + decode(fine)). No
	// storage beyond the codes. Refine scores are float lookup-table sums over the same codes
	// (q·decode(code) up to rounding).
	FromCodes Vectors = iota
	// FromInt8 reads the store's int8 copy of the event vector (see StoreOptions.Int8).
	FromInt8
	// FromCoarse decodes the coarse codes alone, even when the store keeps fine codes.
	FromCoarse
)

// StoreOptions chooses what a store keeps besides the coarse codes. The zero value keeps the
// fine codes of a two-stage codec and no int8 copy.
type StoreOptions struct {
	// Int8 keeps a copy of each event vector s_j as d int8 values and one float32 scale, for a
	// refine step and an ESU closer to exact than decoded codes, at d+4 more bytes per event.
	Int8 bool
	// SkipFine drops the fine codes of a two-stage codec (Codec.FineBytes per event): the
	// refine step and the ESU then read the coarse codes alone. Other codecs have none to drop.
	SkipFine bool
}

// Store is one user's history as product-quantization codes, the form the device keeps: per
// event its codes, its time and its kind, and optionally an int8 copy of its vector. At 4 bits
// the codes sit in fastscan's blocked layout (fastscan.PackCodes4), grown one event at a time;
// at 8 bits they are row-major. Appending an event encodes its parts and writes its codes in
// place: the cost does not depend on the length of the history.
//
// A Store is not safe for concurrent use; Rankers only read it.
type Store struct {
	codec *Codec
	opts  StoreOptions
	n     int
	codes []byte    // 4-bit: fastscan.PackedLen4(n, m) bytes; 8-bit: n×m
	fine  []byte    // n×Codec.FineBytes fine codes, row-major, when the store keeps them
	base  int64     // time of the first event
	meta  []byte    // per event metaBytes: (seconds after the first event)<<1 | kind, little-endian
	int8s []int8    // n×d when opts.Int8
	scale []float32 // n when opts.Int8

	// Append's work buffers.
	enc    *model.Encoder
	parts  []float32   // NumParts×d
	groups [][]float32 // one d-vector per codec group
	code   []byte      // one event's codes, one byte each
	vec    []float32   // d
	res    []float32   // d: the residual a fine code encodes
	fcode  []byte      // one event's fine codes
}

// NewStore returns an empty store of codes of c.
func NewStore(c *Codec, opts StoreOptions) *Store {
	d := c.model.Dim()
	s := &Store{
		codec:  c,
		opts:   opts,
		enc:    model.NewEncoder(c.model),
		parts:  make([]float32, model.NumParts*d),
		groups: make([][]float32, len(c.groups)),
		code:   make([]byte, c.CodesPerEvent()),
		vec:    make([]float32, d),
		res:    make([]float32, d),
		fcode:  make([]byte, c.FineBytes()),
	}
	for i := range s.groups {
		s.groups[i] = make([]float32, d)
	}
	return s
}

// Codec returns the store's codec.
func (s *Store) Codec() *Codec { return s.codec }

// Options returns the options the store was made with.
func (s *Store) Options() StoreOptions { return s.opts }

// HasFine reports whether the store keeps fine codes: its codec is two-stage and its options
// do not skip them.
func (s *Store) HasFine() bool { return s.codec.fine != nil && !s.opts.SkipFine }

// Len returns the number of events.
func (s *Store) Len() int { return s.n }

// Reset empties the store, keeping its memory.
func (s *Store) Reset() {
	s.n = 0
	s.codes, s.fine, s.meta, s.base = s.codes[:0], s.fine[:0], s.meta[:0], 0
	s.int8s, s.scale = s.int8s[:0], s.scale[:0]
}

// Reserve makes room for n events in all, so that appending up to them allocates nothing.
func (s *Store) Reserve(n int) {
	if n <= s.n || n > MaxEvents {
		return
	}
	d, m := s.codec.model.Dim(), s.codec.CodesPerEvent()
	codeLen := n * m
	if s.codec.Bits() == 4 {
		codeLen = fastscan.PackedLen4(n, m)
	}
	s.codes = reserve(s.codes, codeLen)
	if s.HasFine() {
		s.fine = reserve(s.fine, n*s.codec.FineBytes())
	}
	s.meta = reserve(s.meta, metaBytes*n)
	if s.opts.Int8 {
		s.int8s = reserve(s.int8s, n*d)
		s.scale = reserve(s.scale, n)
	}
}

func reserve[T any](x []T, n int) []T {
	if cap(x) >= n {
		return x
	}
	grown := make([]T, len(x), n)
	copy(grown, x)
	return grown
}

// Append encodes an event and adds it at the end of the history. Its time must not be before
// the first event's, nor 2^39 seconds (17,000 years) or more after it.
func (s *Store) Append(ev Event) error {
	if err := s.enc.EventParts(s.parts, ev.Query, ev.Kind, ev.Item); err != nil {
		return wrap(err, "retrieval: append event")
	}
	return s.AppendParts(s.parts, ev.Time, ev.Kind)
}

// AppendParts adds an event given by its parts (model.NumParts×d, as model.Encoder.EventParts
// writes them), time and kind.
func (s *Store) AppendParts(parts []float32, t int64, kind data.Kind) error {
	d := s.codec.model.Dim()
	if len(parts) != model.NumParts*d {
		return &model.LengthError{What: "parts matrix", Got: len(parts), Want: model.NumParts * d}
	}
	if err := s.checkAppend(t, kind); err != nil {
		return err
	}
	for _, x := range parts {
		if x-x != 0 {
			return errors.New("retrieval: append event: parts hold a NaN or an infinity")
		}
	}
	if s.HasFine() {
		// The residual encoding also writes the coarse codes.
		if err := s.codec.residual(s.res, parts, s.groups, s.code); err != nil {
			return wrap(err, "retrieval: append event")
		}
		if err := s.codec.fine.Encode(s.fcode, s.res); err != nil {
			return wrap(err, "retrieval: append event")
		}
		s.fine = append(s.fine, s.fcode...)
	} else {
		for i, g := range s.codec.groups {
			sumGroup(s.groups[i], parts, g)
		}
		if err := s.codec.books.EncodeEvent(s.code, s.groups); err != nil {
			return wrap(err, "retrieval: append event")
		}
	}
	if s.opts.Int8 {
		// The event vector, summed as model.Encoder.EventVector sums it.
		copy(s.vec, parts[:d])
		for p := 1; p < model.NumParts; p++ {
			kernels.Axpy(1, parts[p*d:(p+1)*d], s.vec)
		}
		s.appendInt8(s.vec)
	}
	s.appendCode(s.code)
	s.appendMeta(t, kind)
	return nil
}

func (s *Store) checkAppend(t int64, kind data.Kind) error {
	if s.n >= MaxEvents {
		return errors.New("retrieval: store is full at " + strconv.Itoa(MaxEvents) + " events")
	}
	if kind != data.Browse && kind != data.Search {
		return errors.New("retrieval: unknown event kind " + strconv.Itoa(int(kind)))
	}
	if s.n > 0 {
		if off := t - s.base; off < 0 || off > maxTimeOffset {
			return errors.New("retrieval: event time " + strconv.FormatInt(t, 10) + " is before the first event's, " +
				strconv.FormatInt(s.base, 10) + ", or 2^39 s or more after it")
		}
	}
	return nil
}

func (s *Store) appendMeta(t int64, kind data.Kind) {
	if s.n == 0 {
		s.base = t
	}
	v := uint64(t-s.base)<<1 | uint64(kind)
	s.meta = append(s.meta, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32))
	s.n++
}

// appendCode writes one event's codes (one byte per code) after the last event's.
func (s *Store) appendCode(code []byte) {
	m := len(code)
	if s.codec.Bits() == 8 {
		s.codes = append(s.codes, code...)
		return
	}
	blockLen := fastscan.BlockSize / 2 * m
	if s.n%fastscan.BlockSize == 0 {
		s.codes = grow(s.codes, blockLen)
	}
	block := s.codes[len(s.codes)-blockLen:]
	lane := s.n % fastscan.BlockSize
	for p := 0; p < m; p += 2 {
		block[p*fastscan.BlockSize/2+lane] = code[p] | code[p+1]<<4
	}
}

// grow extends b by n zero bytes.
func grow(b []byte, n int) []byte {
	if len(b)+n > cap(b) {
		b = reserve(b, 2*cap(b)+n)
	}
	b = b[:len(b)+n]
	clear(b[len(b)-n:])
	return b
}

// appendInt8 stores v as round(v/scale) with scale = max|v|/127.
func (s *Store) appendInt8(v []float32) {
	var peak float32
	for _, x := range v {
		peak = max(peak, abs32(x))
	}
	scale := peak / 127
	inv := float32(0)
	if scale > 0 {
		inv = 1 / scale
	}
	for _, x := range v {
		s.int8s = append(s.int8s, int8(roundHalfAway(x*inv)))
	}
	s.scale = append(s.scale, scale)
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// roundHalfAway rounds to the nearest integer, halves away from zero, clamped to ±127.
func roundHalfAway(x float32) float32 {
	r := float32(int32(abs32(x) + 0.5))
	if r > 127 {
		r = 127
	}
	if x < 0 {
		return -r
	}
	return r
}

// Time returns event j's time.
func (s *Store) Time(j int) int64 { return s.base + int64(s.metaOf(j)>>1) }

// Kind returns event j's kind.
func (s *Store) Kind(j int) data.Kind { return data.Kind(s.metaOf(j) & 1) }

// metaBytes is the size of an event's time and kind: a 39-bit offset in seconds from the first
// event (17,000 years) and the kind bit.
const metaBytes = 5

// maxTimeOffset is the largest time offset metaBytes hold.
const maxTimeOffset = 1<<39 - 1

func (s *Store) metaOf(j int) uint64 {
	b := s.meta[metaBytes*j : metaBytes*j+metaBytes]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32
}

// Codes writes event j's codes, one byte per code, to dst (CodesPerEvent bytes).
func (s *Store) Codes(dst []byte, j int) error {
	m := s.codec.CodesPerEvent()
	if j < 0 || j >= s.n {
		return errors.New("retrieval: event " + strconv.Itoa(j) + " outside a store of " + strconv.Itoa(s.n))
	}
	if len(dst) != m {
		return &model.LengthError{What: "codes", Got: len(dst), Want: m}
	}
	s.codesOf(dst, j)
	return nil
}

func (s *Store) codesOf(dst []byte, j int) {
	m := len(dst)
	if s.codec.Bits() == 8 {
		copy(dst, s.codes[j*m:(j+1)*m])
		return
	}
	block := s.codes[j/fastscan.BlockSize*(fastscan.BlockSize/2*m):]
	lane := j % fastscan.BlockSize
	for p := 0; p < m; p += 2 {
		b := block[p*fastscan.BlockSize/2+lane]
		dst[p], dst[p+1] = b&15, b>>4
	}
}

// Vector writes event j's vector s_j, decoded from its codes or read from its int8 copy, to
// dst (length d).
func (s *Store) Vector(dst []float32, j int, from Vectors) error {
	if from > FromCoarse {
		return errors.New("retrieval: unknown vector source " + strconv.Itoa(int(from)))
	}
	if j < 0 || j >= s.n {
		return errors.New("retrieval: event " + strconv.Itoa(j) + " outside a store of " + strconv.Itoa(s.n))
	}
	if d := s.codec.model.Dim(); len(dst) != d {
		return &model.LengthError{What: "event vector", Got: len(dst), Want: d}
	}
	if from == FromInt8 && !s.opts.Int8 {
		return errNoInt8
	}
	s.vector(dst, j, from, s.code)
	return nil
}

var errNoInt8 = errors.New("retrieval: the store keeps no int8 copy")

// vector is Vector without checks; code is scratch of CodesPerEvent bytes.
func (s *Store) vector(dst []float32, j int, from Vectors, code []byte) {
	if from == FromInt8 {
		d := len(dst)
		scale := s.scale[j]
		for i, x := range s.int8s[j*d : (j+1)*d] {
			dst[i] = float32(x) * scale
		}
		return
	}
	var fine []byte
	if from == FromCodes && s.HasFine() {
		m := s.codec.fine.M()
		fine = s.fine[j*m : (j+1)*m]
	}
	// The codes come from this codec's store: the call cannot fail.
	_ = s.codec.decoder.Decode(dst, s.packedCodes(code, j), fine)
}

// packedCodes returns event j's coarse codes as the codec's decoder reads them: at 8 bits the
// store's own bytes, at 4 bits the event's bytes of the blocked layout gathered into scratch.
func (s *Store) packedCodes(scratch []byte, j int) []byte {
	n := s.codec.decoder.CodeBytes()
	if s.codec.Bits() == 8 {
		return s.codes[j*n : (j+1)*n]
	}
	const stride = fastscan.BlockSize // bytes between an event's pairs of codes
	block := s.codes[j/fastscan.BlockSize*(stride*n):]
	src := block[j%fastscan.BlockSize:][:(n-1)*stride+1]
	dst := scratch[:n]
	for p := range dst {
		dst[p] = src[p*stride]
	}
	return dst
}

// BytesPerEvent is what the store keeps per event: the coarse codes, the fine codes when it
// keeps them, and 5 bytes of time offset and kind, plus d+4 bytes with the int8 copy. The
// 4-bit layout's padding of the last block is not counted.
func (s *Store) BytesPerEvent() int {
	n := s.codec.CodeBytes() + metaBytes
	if s.HasFine() {
		n += s.codec.FineBytes()
	}
	if s.opts.Int8 {
		n += s.codec.model.Dim() + 4
	}
	return n
}
