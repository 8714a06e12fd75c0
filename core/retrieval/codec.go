package retrieval

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/pq"
)

// Section is the name of the model file's extra section that holds a codec's codebooks
// (Codec.MarshalBinary).
const Section = "pq"

// Codec ties product-quantization codebooks to a model: codebook part i quantizes the sum of
// the model parts in Groups()[i]. Groups may overlap: a group of every part quantizes the
// event vector s itself, the most accurate use of a byte budget, and a small extra group of
// the query part lets a request weigh the query apart from the item (see Options.Weights).
// A Codec is immutable and safe for concurrent use.
type Codec struct {
	model  *model.Model
	books  *pq.MultiCodebook
	groups []Group
	// decode holds the group weights whose weighted sum of group vectors is s (every part
	// weighing 1): the weights that decode an event's vector.
	decode []float32
	// fine is the 8-bit codebook of the residual s − decode(coarse codes) of a two-stage codec,
	// or nil.
	fine *pq.Codebook
	// decoder decodes an event's vector from its packed codes: the coarse codes with the decode
	// weights, plus the fine codes when given.
	decoder *pq.EventDecoder
	sum     uint32 // CRC-32 of the codec's binary form: stores refuse codes of another codec
}

// Event is one step of a user's history as the store receives it.
type Event struct {
	Time  int64
	Kind  data.Kind
	Query string
	Item  *data.Item
}

// NewCodec makes a codec from a model and codebooks over its width whose part names are
// distinct groups (see ParseGroup). 4-bit codebooks need an even number of codes per event, at
// most fastscan.MaxSubquantizers4.
func NewCodec(m *model.Model, books *pq.MultiCodebook) (*Codec, error) {
	if m == nil || books == nil {
		return nil, errors.New("retrieval: codec needs a model and codebooks")
	}
	if books.Dim() != m.Dim() {
		return nil, errors.New("retrieval: codebooks of width " + strconv.Itoa(books.Dim()) +
			" for a model of width " + strconv.Itoa(m.Dim()))
	}
	if books.Bits() == 4 {
		if n := books.CodesPerEvent(); n%2 != 0 || n > fastscan.MaxSubquantizers4 {
			return nil, errors.New("retrieval: 4-bit codebooks with " + strconv.Itoa(n) +
				" codes per event, want an even number up to " + strconv.Itoa(fastscan.MaxSubquantizers4))
		}
	}
	groups := make([]Group, books.Parts())
	for i := range groups {
		g, err := ParseGroup(books.Name(i))
		if err != nil {
			return nil, err
		}
		for _, prev := range groups[:i] {
			if prev == g {
				return nil, errors.New("retrieval: codebook group " + g.String() + " repeats")
			}
		}
		groups[i] = g
	}
	c := &Codec{model: m, books: books, groups: groups, decode: make([]float32, len(groups))}
	var ones [model.NumParts]float32
	for p := range ones {
		ones[p] = 1
	}
	if err := c.GroupWeights(c.decode, ones[:]); err != nil {
		return nil, err
	}
	decoder, err := pq.NewEventDecoder(books, c.decode, nil)
	if err != nil {
		return nil, wrap(err, "retrieval: codec")
	}
	c.decoder = decoder
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, wrap(err, "retrieval: codec")
	}
	c.sum = crc32.ChecksumIEEE(b)
	return c, nil
}

// NewTwoStageCodec makes a two-stage codec: 4-bit coarse codebooks, which the fast scan reads,
// as NewCodec takes them, and an 8-bit fine codebook of the model's width that quantizes the
// residual s − decode(coarse codes) of each event. The refine step scores a shortlist from
// both stages and the ESU attends over vectors decoded from both (see FromCodes).
func NewTwoStageCodec(m *model.Model, coarse *pq.MultiCodebook, fine *pq.Codebook) (*Codec, error) {
	if coarse == nil || fine == nil {
		return nil, errors.New("retrieval: a two-stage codec needs coarse and fine codebooks")
	}
	if coarse.Bits() != 4 || fine.Bits() != 8 {
		return nil, errors.New("retrieval: a two-stage codec needs 4-bit coarse and 8-bit fine codebooks, got " +
			strconv.Itoa(coarse.Bits()) + " and " + strconv.Itoa(fine.Bits()))
	}
	if m != nil && fine.Dim() != m.Dim() {
		return nil, errors.New("retrieval: a fine codebook of width " + strconv.Itoa(fine.Dim()) +
			" for a model of width " + strconv.Itoa(m.Dim()))
	}
	return newCodec(m, coarse, fine)
}

func newCodec(m *model.Model, books *pq.MultiCodebook, fine *pq.Codebook) (*Codec, error) {
	c, err := NewCodec(m, books)
	if err != nil || fine == nil {
		return c, err
	}
	c.fine = fine
	if c.decoder, err = pq.NewEventDecoder(books, c.decode, fine); err != nil {
		return nil, wrap(err, "retrieval: codec")
	}
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, wrap(err, "retrieval: codec")
	}
	c.sum = crc32.ChecksumIEEE(b)
	return c, nil
}

// The binary form of a codec, the content of the model file's Section. A codec without a fine
// codebook is its coarse pq.MultiCodebook's form (magic "PQMC"), as in files of version 1. A
// two-stage codec is, little-endian:
//
//	offset  size  field
//	0       4     magic "PQ2S"
//	4       2     version, 2
//	6       2     reserved, 0
//	8       4     length C of the coarse codebooks' form
//	12      C     the coarse pq.MultiCodebook's form
//	12+C    4     length F of the fine codebook's form
//	16+C    F     the fine pq.Codebook's form
//
// Nothing may follow.
const (
	twoStageMagic   = "PQ2S"
	twoStageVersion = 2
	twoStageHeader  = 8
)

// LoadCodec makes a codec from its binary form (the model file's Section): a two-stage codec,
// or the coarse codebooks alone as files of version 1 hold them.
func LoadCodec(m *model.Model, b []byte) (*Codec, error) {
	if len(b) >= 4 && string(b[:4]) == twoStageMagic {
		coarse, fine, err := decodeTwoStage(b)
		if err != nil {
			return nil, wrap(err, "retrieval: load codec")
		}
		return NewTwoStageCodec(m, coarse, fine)
	}
	books := new(pq.MultiCodebook)
	if err := books.UnmarshalBinary(b); err != nil {
		return nil, wrap(err, "retrieval: load codec")
	}
	return NewCodec(m, books)
}

func decodeTwoStage(b []byte) (*pq.MultiCodebook, *pq.Codebook, error) {
	if len(b) < twoStageHeader+4 {
		return nil, nil, wrap(pq.ErrMalformed, "two-stage codec of "+strconv.Itoa(len(b))+" bytes, shorter than its header")
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != twoStageVersion {
		return nil, nil, wrap(pq.ErrMalformed, "two-stage codec version "+strconv.Itoa(int(v))+", want "+
			strconv.Itoa(twoStageVersion)+"; train the codec again with this version")
	}
	if binary.LittleEndian.Uint16(b[6:]) != 0 {
		return nil, nil, wrap(pq.ErrMalformed, "two-stage codec: reserved bytes are not 0")
	}
	rest := b[twoStageHeader:]
	next := func(what string) ([]byte, error) {
		if len(rest) < 4 {
			return nil, wrap(pq.ErrMalformed, what+": length truncated")
		}
		size := uint64(binary.LittleEndian.Uint32(rest))
		rest = rest[4:]
		if size > uint64(len(rest)) {
			return nil, wrap(pq.ErrMalformed, what+": "+strconv.FormatUint(size, 10)+" bytes, "+strconv.Itoa(len(rest))+" left")
		}
		part := rest[:size]
		rest = rest[size:]
		return part, nil
	}
	cb, err := next("coarse codebooks")
	if err != nil {
		return nil, nil, err
	}
	coarse := new(pq.MultiCodebook)
	if err := coarse.UnmarshalBinary(cb); err != nil {
		return nil, nil, err
	}
	fb, err := next("fine codebook")
	if err != nil {
		return nil, nil, err
	}
	fine := new(pq.Codebook)
	if err := fine.UnmarshalBinary(fb); err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, wrap(pq.ErrMalformed, "two-stage codec: "+strconv.Itoa(len(rest))+" trailing bytes")
	}
	return coarse, fine, nil
}

// MarshalBinary returns the codec's binary form, the content of the model file's Section.
func (c *Codec) MarshalBinary() ([]byte, error) {
	coarse, err := c.books.MarshalBinary()
	if err != nil || c.fine == nil {
		return coarse, err
	}
	fine, err := c.fine.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, twoStageHeader+8+len(coarse)+len(fine))
	b = append(b, twoStageMagic...)
	b = binary.LittleEndian.AppendUint16(b, twoStageVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(coarse)))
	b = append(b, coarse...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fine)))
	return append(b, fine...), nil
}

// TrainOptions says what codec TrainCodec trains.
type TrainOptions struct {
	// Layout lists the groups of parts that get a codebook each, with their sub-space counts
	// (see ParseLayout).
	Layout []GroupSpec
	// Bits is the code width, 4 or 8.
	Bits int
	// Fine, when positive, makes a two-stage codec (4 bits only): an 8-bit codebook of Fine
	// sub-spaces (a divisor of the model's width) trained on the residuals s − decode(coarse
	// codes) of the events, after the coarse codebooks. DefaultFine is the default codec's.
	Fine   int
	KMeans pq.KMeansOptions
}

// TrainCodec trains a codec on the parts of events: one codebook per group of opts.Layout,
// trained by pq.TrainCodebook on the group vectors of the events, group i with a seed derived
// from opts.KMeans.Seed and i.
func TrainCodec(ctx context.Context, m *model.Model, events []Event, opts TrainOptions) (*Codec, error) {
	c, err := trainCodec(ctx, m, events, opts)
	if err != nil {
		return nil, wrap(err, "retrieval: train codec")
	}
	return c, nil
}

func trainCodec(ctx context.Context, m *model.Model, events []Event, opts TrainOptions) (*Codec, error) {
	if len(opts.Layout) == 0 || len(opts.Layout) > pq.MaxParts {
		return nil, errors.New("a layout needs 1.." + strconv.Itoa(pq.MaxParts) + " groups")
	}
	d, n := m.Dim(), len(events)
	enc := model.NewEncoder(m)
	parts := make([]float32, model.NumParts*d)
	train := make([][]float32, len(opts.Layout))
	for i := range opts.Layout {
		train[i] = make([]float32, n*d)
	}
	for j, ev := range events {
		if err := enc.EventParts(parts, ev.Query, ev.Kind, ev.Item); err != nil {
			return nil, wrap(err, "event "+strconv.Itoa(j))
		}
		for i, spec := range opts.Layout {
			sumGroup(train[i][j*d:(j+1)*d], parts, spec.Group)
		}
	}
	books := make([]*pq.Codebook, len(opts.Layout))
	names := make([]string, len(opts.Layout))
	for i, spec := range opts.Layout {
		km := opts.KMeans
		km.Seed = mixSeed(km.Seed, uint64(i))
		cb, err := pq.TrainCodebook(ctx, train[i], n, d, spec.Subspaces, opts.Bits, km)
		if err != nil {
			return nil, wrap(err, "group "+spec.Group.String())
		}
		books[i], names[i] = cb, spec.Group.String()
	}
	mc, err := pq.NewMultiCodebook(names, books)
	if err != nil {
		return nil, err
	}
	c, err := NewCodec(m, mc)
	if err != nil || opts.Fine <= 0 {
		return c, err
	}
	if opts.Bits != 4 {
		return nil, errors.New("a fine codebook needs 4-bit coarse codes, not " + strconv.Itoa(opts.Bits))
	}
	residuals, err := c.residuals(m, events, parts)
	if err != nil {
		return nil, err
	}
	km := opts.KMeans
	km.Seed = mixSeed(km.Seed, uint64(pq.MaxParts))
	fine, err := pq.TrainCodebook(ctx, residuals, n, d, opts.Fine, 8, km)
	if err != nil {
		return nil, wrap(err, "fine codebook")
	}
	return NewTwoStageCodec(m, mc, fine)
}

// residuals returns, row-major, each event's s − decode(coarse codes); parts is scratch of
// NumParts×d.
func (c *Codec) residuals(m *model.Model, events []Event, parts []float32) ([]float32, error) {
	d := m.Dim()
	enc := model.NewEncoder(m)
	groups := make([][]float32, len(c.groups))
	for i := range groups {
		groups[i] = make([]float32, d)
	}
	code := make([]byte, c.CodesPerEvent())
	out := make([]float32, len(events)*d)
	for j, ev := range events {
		if err := enc.EventParts(parts, ev.Query, ev.Kind, ev.Item); err != nil {
			return nil, wrap(err, "event "+strconv.Itoa(j))
		}
		if err := c.residual(out[j*d:(j+1)*d], parts, groups, code); err != nil {
			return nil, wrap(err, "event "+strconv.Itoa(j))
		}
	}
	return out, nil
}

// residual writes s − decode(coarse codes) of the event of parts to dst and its coarse codes to
// code; groups is scratch of one d-vector per group.
func (c *Codec) residual(dst, parts []float32, groups [][]float32, code []byte) error {
	for i, g := range c.groups {
		sumGroup(groups[i], parts, g)
	}
	if err := c.books.EncodeEvent(code, groups); err != nil {
		return err
	}
	if err := c.books.DecodeEvent(dst, code, c.decode); err != nil {
		return err
	}
	d := len(dst)
	for i := range dst {
		dst[i] = -dst[i]
	}
	for p := range model.NumParts {
		kernels.Axpy(1, parts[p*d:(p+1)*d], dst)
	}
	return nil
}

// mixSeed derives an independent seed for stream i (the SplitMix64 finaliser of seed and i).
func mixSeed(seed, i uint64) uint64 {
	x := seed + (i+1)*0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Model returns the codec's model.
func (c *Codec) Model() *model.Model { return c.model }

// Codebooks returns the codec's codebooks; they must not be modified.
func (c *Codec) Codebooks() *pq.MultiCodebook { return c.books }

// Groups returns the model parts each codebook part quantizes, in codebook order.
func (c *Codec) Groups() []Group { return append([]Group(nil), c.groups...) }

// Bits is the code width, 4 or 8.
func (c *Codec) Bits() int { return c.books.Bits() }

// CodesPerEvent is the number of codes of one event: Σ over groups of their sub-spaces.
func (c *Codec) CodesPerEvent() int { return c.books.CodesPerEvent() }

// CodeBytes is the size of one event's coarse codes in a store: half a byte per code at 4
// bits, one at 8.
func (c *Codec) CodeBytes() int { return c.books.CodesPerEvent() * c.books.Bits() / 8 }

// Fine returns the fine codebook of a two-stage codec, or nil; it must not be modified.
func (c *Codec) Fine() *pq.Codebook { return c.fine }

// FineBytes is the size of one event's fine codes, one byte per sub-space; 0 without a fine
// codebook.
func (c *Codec) FineBytes() int {
	if c.fine == nil {
		return 0
	}
	return c.fine.M()
}
