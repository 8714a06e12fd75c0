package pq

import (
	"context"
	"errors"
	"unicode/utf8"
)

// MaxParts bounds the parts of a MultiCodebook.
const MaxParts = 8

// maxNameLen bounds a part name in bytes.
const maxNameLen = 64

// MultiCodebook quantizes an event vector given as a sum of parts, s = Σ_p u_p: every part has
// its own Codebook over the same width, and all share one code width (Bits). Parts are indexed
// 0..Parts()-1 in construction order and carry names (such as "query", "id", "text", "attrs",
// "dense").
//
// An event's code is the concatenation of its parts' codes in part order: CodesPerEvent bytes,
// part p at [CodeOffset(p), CodeOffset(p)+M_p), one byte per code even at 4 bits (packing into
// the scan kernels' nibble layout happens there). Lookup tables use the same row order.
//
// A MultiCodebook is immutable after construction (UnmarshalBinary aside) and safe for
// concurrent use; its codebooks must not be modified.
type MultiCodebook struct {
	names   []string
	books   []*Codebook
	offsets []int // offsets[p] is part p's first code row
	codes   int   // Σ_p M_p
}

// NewMultiCodebook makes a multi-codebook from one codebook per part: 1..MaxParts parts with
// distinct non-empty UTF-8 names of at most 64 bytes, codebooks of equal Dim and Bits (M may
// differ). It keeps the codebooks, which must not be modified afterwards.
func NewMultiCodebook(names []string, books []*Codebook) (*MultiCodebook, error) {
	mc, err := newMulti(names, books)
	if err != nil {
		return nil, wrap(err, "pq: multi-codebook")
	}
	return mc, nil
}

func newMulti(names []string, books []*Codebook) (*MultiCodebook, error) {
	if len(names) != len(books) || len(books) == 0 || len(books) > MaxParts {
		return nil, errors.New(itoa(len(names)) + " names and " + itoa(len(books)) + " codebooks, want equal counts in 1.." + itoa(MaxParts))
	}
	mc := &MultiCodebook{
		names:   append([]string(nil), names...),
		books:   append([]*Codebook(nil), books...),
		offsets: make([]int, len(books)),
	}
	for p, cb := range books {
		name := names[p]
		if len(name) == 0 || len(name) > maxNameLen || !utf8.ValidString(name) {
			return nil, errors.New("part " + itoa(p) + ": name must be 1.." + itoa(maxNameLen) + " bytes of UTF-8")
		}
		for _, prev := range names[:p] {
			if prev == name {
				return nil, errors.New("part name " + name + " repeats")
			}
		}
		if cb == nil || cb.dim == 0 {
			return nil, errors.New("part " + name + " has no codebook")
		}
		if cb.dim != books[0].dim || cb.bits != books[0].bits {
			return nil, errors.New("part " + name + " has dim " + itoa(cb.dim) + " and " + itoa(cb.bits) + " bits, part " + names[0] + " " + itoa(books[0].dim) + " and " + itoa(books[0].bits))
		}
		mc.offsets[p] = mc.codes
		mc.codes += cb.m
	}
	return mc, nil
}

// TrainMultiCodebook trains one codebook per part with TrainCodebook (M sub-spaces, 2^bits
// centroids each): parts[p] holds part p's training vectors, row-major with width dim; the
// parts may have different numbers of vectors. Part p trains with a seed derived from opts.Seed
// and p.
func TrainMultiCodebook(ctx context.Context, names []string, parts [][]float32, dim, m, bits int, opts KMeansOptions) (*MultiCodebook, error) {
	if len(names) != len(parts) {
		return nil, errors.New("pq: train multi-codebook: " + itoa(len(names)) + " names for " + itoa(len(parts)) + " parts")
	}
	if err := checkShape(dim, m, bits); err != nil {
		return nil, wrap(err, "pq: train multi-codebook")
	}
	books := make([]*Codebook, len(parts))
	for p, vectors := range parts {
		if len(vectors)%dim != 0 {
			return nil, errors.New("pq: train multi-codebook: part " + names[p] + " has " + itoa(len(vectors)) + " values, not a multiple of dim = " + itoa(dim))
		}
		partOpts := opts
		partOpts.Seed = mixSeed(opts.Seed, uint64(MaxParts+p))
		cb, err := trainCodebook(ctx, vectors, len(vectors)/dim, dim, m, bits, partOpts)
		if err != nil {
			return nil, wrap(err, "pq: train multi-codebook: part "+names[p])
		}
		books[p] = cb
	}
	return NewMultiCodebook(names, books)
}

// Parts is the number of parts.
func (mc *MultiCodebook) Parts() int { return len(mc.books) }

// Name is part p's name, or "" when p is out of range.
func (mc *MultiCodebook) Name(p int) string {
	if p < 0 || p >= len(mc.names) {
		return ""
	}
	return mc.names[p]
}

// Index is the index of the part called name, or -1.
func (mc *MultiCodebook) Index(name string) int {
	for p, n := range mc.names {
		if n == name {
			return p
		}
	}
	return -1
}

// Codebook is part p's codebook, or nil when p is out of range. It must not be modified.
func (mc *MultiCodebook) Codebook(p int) *Codebook {
	if p < 0 || p >= len(mc.books) {
		return nil
	}
	return mc.books[p]
}

// Dim is the width of every part's vectors.
func (mc *MultiCodebook) Dim() int {
	if len(mc.books) == 0 {
		return 0
	}
	return mc.books[0].dim
}

// Bits is the code width shared by all parts, 4 or 8.
func (mc *MultiCodebook) Bits() int {
	if len(mc.books) == 0 {
		return 0
	}
	return mc.books[0].bits
}

// K is the number of centroids per sub-space, 2^Bits.
func (mc *MultiCodebook) K() int { return 1 << mc.Bits() }

// CodesPerEvent is the length of an event's code, Σ_p M_p: also the number of rows of a lookup
// table.
func (mc *MultiCodebook) CodesPerEvent() int { return mc.codes }

// CodeOffset is the position of part p's first code in an event's code, and of its first row in
// a lookup table; -1 when p is out of range.
func (mc *MultiCodebook) CodeOffset(p int) int {
	if p < 0 || p >= len(mc.offsets) {
		return -1
	}
	return mc.offsets[p]
}

// LUTSize is the length of the table BuildLUT writes: CodesPerEvent·K.
func (mc *MultiCodebook) LUTSize() int { return mc.codes * mc.K() }

// EncodeEvent writes the code of an event to dst: parts[p] (Dim values) is encoded by part p's
// codebook into dst[CodeOffset(p):CodeOffset(p)+M_p]. len(parts) must be Parts and len(dst)
// CodesPerEvent. The cost is Σ_p M_p·K·Dim/M_p distance terms, whatever the length of the
// history the event joins. It does not allocate.
func (mc *MultiCodebook) EncodeEvent(dst []byte, parts [][]float32) error {
	if len(parts) != len(mc.books) || len(dst) != mc.codes || mc.codes == 0 {
		return errors.New("pq: encode event: got " + itoa(len(parts)) + " parts and " + itoa(len(dst)) + " code bytes, want " + itoa(len(mc.books)) + " and " + itoa(mc.codes))
	}
	for p, v := range parts {
		if len(v) != mc.books[p].dim {
			return errors.New("pq: encode event: part " + mc.names[p] + " has " + itoa(len(v)) + " values, want " + itoa(mc.books[p].dim))
		}
		if err := checkValues(v, mc.names[p]); err != nil {
			return wrap(err, "pq: encode event")
		}
	}
	for p, cb := range mc.books {
		cb.encode(dst[mc.offsets[p]:mc.offsets[p]+cb.m], parts[p])
	}
	return nil
}

// DecodeEvent writes the weighted sum of the parts' reconstructions to dst:
// dst = Σ_p w_p·Decode_p(codes of part p), an approximation of Σ_p w_p u_p. weights is nil (all
// parts weigh 1) or has one weight per part. len(dst) must be Dim and len(codes) CodesPerEvent.
// A single part's reconstruction is Codebook(p).Decode of its slice of codes. It does not
// allocate.
func (mc *MultiCodebook) DecodeEvent(dst []float32, codes []byte, weights []float32) error {
	if err := mc.checkWeights(weights); err != nil {
		return wrap(err, "pq: decode event")
	}
	if len(codes) != mc.codes || mc.codes == 0 {
		return errors.New("pq: decode event: got " + itoa(len(codes)) + " code bytes, want " + itoa(mc.codes))
	}
	// Parts share Dim and K: one pass over all codes checks them, and only a failure looks
	// for the part to blame (decoding sits on the rank path).
	if len(dst) != mc.Dim() || (mc.Bits() < 8 && orCodes(codes) >= byte(mc.K())) {
		for p, cb := range mc.books {
			if err := cb.checkCodes(len(dst), codes[mc.offsets[p]:mc.offsets[p]+cb.m]); err != nil {
				return wrap(err, "pq: decode event: part "+mc.names[p])
			}
		}
	}
	clear(dst)
	for p, cb := range mc.books {
		// A part of weight 0 adds nothing: skip its decoding.
		if w := weightOf(weights, p); w != 0 {
			cb.addDecoded(dst, codes[mc.offsets[p]:mc.offsets[p]+cb.m], w)
		}
	}
	return nil
}

// BuildLUT writes the lookup table of query q for all parts, with part weights, to dst. The
// table is CodesPerEvent rows of K float32, row-major; row r = CodeOffset(p)+c belongs to
// sub-space c of part p:
//
//	dst[r·K + k] = w_p · q_c · C_p[c][k]
//
// where q_c is q's c-th sub-space slice (width Dim/M_p) and C_p[c][k] is centroid k of that
// sub-space. Rows follow the order of an event's code, so for an event code from EncodeEvent
//
//	Σ_r dst[r·K + code[r]] = q · DecodeEvent(code, weights) ≈ q · Σ_p w_p u_p
//
// (in exact arithmetic; in float32 to rounding). weights is nil (all 1) or has one weight per
// part; len(q) must be Dim and len(dst) LUTSize. It does not allocate.
func (mc *MultiCodebook) BuildLUT(dst, q, weights []float32) error {
	if err := mc.checkWeights(weights); err != nil {
		return wrap(err, "pq: build LUT")
	}
	if len(q) != mc.Dim() || len(dst) != mc.LUTSize() || mc.codes == 0 {
		return errors.New("pq: build LUT: got a query of " + itoa(len(q)) + " values and a table of " + itoa(len(dst)) + ", want " + itoa(mc.Dim()) + " and " + itoa(mc.LUTSize()))
	}
	ks := mc.K()
	for p, cb := range mc.books {
		cb.buildLUT(dst[mc.offsets[p]*ks:(mc.offsets[p]+cb.m)*ks], q, weightOf(weights, p))
	}
	return nil
}

func (mc *MultiCodebook) checkWeights(weights []float32) error {
	if weights != nil && len(weights) != len(mc.books) {
		return errors.New("got " + itoa(len(weights)) + " part weights, want " + itoa(len(mc.books)) + " or none")
	}
	return nil
}

func weightOf(weights []float32, p int) float32 {
	if weights == nil {
		return 1
	}
	return weights[p]
}
