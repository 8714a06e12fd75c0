package retrieval

import (
	"context"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
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
	sum    uint32 // CRC-32 of the codebooks' binary form: stores refuse codes of another codec
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
	b, err := books.MarshalBinary()
	if err != nil {
		return nil, wrap(err, "retrieval: codec")
	}
	c.sum = crc32.ChecksumIEEE(b)
	return c, nil
}

// LoadCodec makes a codec from a model and codebooks in their binary form (the model file's
// Section).
func LoadCodec(m *model.Model, b []byte) (*Codec, error) {
	books := new(pq.MultiCodebook)
	if err := books.UnmarshalBinary(b); err != nil {
		return nil, wrap(err, "retrieval: load codec")
	}
	return NewCodec(m, books)
}

// MarshalBinary returns the codebooks' binary form, the content of the model file's Section.
func (c *Codec) MarshalBinary() ([]byte, error) { return c.books.MarshalBinary() }

// TrainOptions says what codec TrainCodec trains.
type TrainOptions struct {
	// Layout lists the groups of parts that get a codebook each, with their sub-space counts
	// (see ParseLayout).
	Layout []GroupSpec
	// Bits is the code width, 4 or 8.
	Bits   int
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
	return NewCodec(m, mc)
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

// CodeBytes is the size of one event's codes in a store: half a byte per code at 4 bits, one
// at 8.
func (c *Codec) CodeBytes() int { return c.books.CodesPerEvent() * c.books.Bits() / 8 }
