package pq

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// Codebook is a product quantizer for one part: Dim dimensions cut into M contiguous sub-spaces
// of Dim/M dimensions (sub-space c covers [c·Dim/M, (c+1)·Dim/M)), each with K = 2^Bits
// centroids. A vector's code is M bytes, byte c the index of the centroid nearest to its c-th
// slice.
//
// A Codebook is immutable after construction (UnmarshalBinary aside) and safe for concurrent
// use.
type Codebook struct {
	dim, m, bits int
	// centroids holds M·K rows of Dim/M values: row c·K+k is centroid k of sub-space c.
	centroids []float32
	// tiles holds the same values in tiles of four centroids: tile (c, g) is Dim/M rows of 4,
	// row j holding component j of centroids 4g … 4g+3 of sub-space c, at offset
	// ((c·K/4 + g)·Dim/M + j)·4. Four lookup-table entries are then sums of contiguous 4-value
	// rows, which a SIMD kernel reads with one pointer.
	tiles []float32
}

// newCodebook makes a codebook that owns centroids, whose shape and values are checked.
func newCodebook(dim, m, bits int, centroids []float32) *Codebook {
	ks, sub := 1<<bits, dim/m
	tiles := make([]float32, len(centroids))
	for c := range m {
		for k := range ks {
			for j := range sub {
				tiles[((c*ks/4+k/4)*sub+j)*4+k%4] = centroids[(c*ks+k)*sub+j]
			}
		}
	}
	return &Codebook{dim: dim, m: m, bits: bits, centroids: centroids, tiles: tiles}
}

// NewCodebook makes a codebook from given centroids (M·K rows of dim/m values, row c·K+k being
// centroid k of sub-space c), which it copies.
func NewCodebook(dim, m, bits int, centroids []float32) (*Codebook, error) {
	if err := checkShape(dim, m, bits); err != nil {
		return nil, wrap(err, "pq: codebook")
	}
	if len(centroids) != dim<<bits {
		return nil, errors.New("pq: codebook: " + itoa(len(centroids)) + " centroid values, want dim·K = " + itoa(dim<<bits))
	}
	if err := checkValues(centroids, "centroids"); err != nil {
		return nil, wrap(err, "pq: codebook")
	}
	return newCodebook(dim, m, bits, append([]float32(nil), centroids...)), nil
}

// maxDim bounds a codebook's width so that every size derived from it fits an int32.
const maxDim = 1 << 16

func checkShape(dim, m, bits int) error {
	switch {
	case bits != 4 && bits != 8:
		return errors.New("bits = " + itoa(bits) + ", want 4 or 8")
	case dim <= 0 || dim > maxDim:
		return errors.New("dim = " + itoa(dim) + ", want 1.." + itoa(maxDim))
	case m <= 0 || dim%m != 0:
		return errors.New("m = " + itoa(m) + " does not divide dim = " + itoa(dim))
	}
	return nil
}

// TrainCodebook trains a codebook on the n row-major vectors of width dim in vectors: one KMeans
// per sub-space, on that sub-space's slices, with K = 2^bits centroids. Sub-space c runs with a
// seed derived from opts.Seed and c, so the result is deterministic; sub-spaces train in
// parallel on up to GOMAXPROCS goroutines.
func TrainCodebook(ctx context.Context, vectors []float32, n, dim, m, bits int, opts KMeansOptions) (*Codebook, error) {
	cb, err := trainCodebook(ctx, vectors, n, dim, m, bits, opts)
	if err != nil {
		return nil, wrap(err, "pq: train codebook")
	}
	return cb, nil
}

func trainCodebook(ctx context.Context, vectors []float32, n, dim, m, bits int, opts KMeansOptions) (*Codebook, error) {
	if err := checkShape(dim, m, bits); err != nil {
		return nil, err
	}
	if err := checkTrainingSet(vectors, n, dim, 1<<bits); err != nil {
		return nil, err
	}
	ks, sub := 1<<bits, dim/m
	all := make([]float32, dim<<bits)
	errs := make([]error, m)
	// Sub-spaces train independently, each from its own seed, so spreading them over
	// goroutines changes nothing in the result.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(m, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			subVectors := make([]float32, n*sub)
			for c := int(next.Add(1) - 1); c < m; c = int(next.Add(1) - 1) {
				for i := range n {
					copy(subVectors[i*sub:i*sub+sub], vectors[i*dim+c*sub:i*dim+c*sub+sub])
				}
				subOpts := opts
				subOpts.Seed = mixSeed(opts.Seed, uint64(c))
				centroids, _, err := kmeans(ctx, subVectors, n, sub, ks, subOpts)
				if err != nil {
					errs[c] = wrap(err, "sub-space "+itoa(c))
					continue
				}
				copy(all[c*ks*sub:], centroids)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return newCodebook(dim, m, bits, all), nil
}

// mixSeed derives a well-spread seed from a seed and an index (the SplitMix64 finaliser).
func mixSeed(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Dim is the width of the vectors the codebook encodes.
func (cb *Codebook) Dim() int { return cb.dim }

// M is the number of sub-spaces, and of code bytes per vector.
func (cb *Codebook) M() int { return cb.m }

// Bits is 4 or 8.
func (cb *Codebook) Bits() int { return cb.bits }

// K is the number of centroids per sub-space, 2^Bits.
func (cb *Codebook) K() int { return 1 << cb.bits }

// SubDim is the width of one sub-space, Dim/M.
func (cb *Codebook) SubDim() int {
	if cb.m == 0 {
		return 0
	}
	return cb.dim / cb.m
}

// Encode writes v's code to dst: dst[c] is the centroid of sub-space c nearest to v's c-th slice
// (squared Euclidean distance, lowest index among ties). len(v) must be Dim and len(dst) M.
// It does not allocate.
func (cb *Codebook) Encode(dst []byte, v []float32) error {
	if len(v) != cb.dim || len(dst) != cb.m || cb.dim == 0 {
		return errors.New("pq: encode: got " + itoa(len(v)) + " values and " + itoa(len(dst)) + " code bytes, want " + itoa(cb.dim) + " and " + itoa(cb.m))
	}
	if err := checkValues(v, "v"); err != nil {
		return wrap(err, "pq: encode")
	}
	cb.encode(dst, v)
	return nil
}

func (cb *Codebook) encode(dst []byte, v []float32) {
	ks, sub := cb.K(), cb.SubDim()
	for c := range dst {
		k, _ := nearest(v[c*sub:c*sub+sub], cb.centroids[c*ks*sub:(c+1)*ks*sub], ks)
		dst[c] = byte(k)
	}
}

// Decode writes the reconstruction of codes to dst: slice c of dst becomes centroid codes[c] of
// sub-space c. len(codes) must be M and len(dst) Dim; every code must be below K.
func (cb *Codebook) Decode(dst []float32, codes []byte) error {
	if err := cb.checkCodes(len(dst), codes); err != nil {
		return wrap(err, "pq: decode")
	}
	ks, sub := cb.K(), cb.SubDim()
	for c, code := range codes {
		row := (c*ks + int(code)) * sub
		copy(dst[c*sub:c*sub+sub], cb.centroids[row:row+sub])
	}
	return nil
}

// AddDecoded adds w times the reconstruction of codes to dst: dst += w·Decode(codes).
// len(codes) must be M and len(dst) Dim; every code must be below K. It does not allocate.
func (cb *Codebook) AddDecoded(dst []float32, codes []byte, w float32) error {
	if err := cb.checkCodes(len(dst), codes); err != nil {
		return wrap(err, "pq: add decoded")
	}
	cb.addDecoded(dst, codes, w)
	return nil
}

func (cb *Codebook) checkCodes(dim int, codes []byte) error {
	if dim != cb.dim || len(codes) != cb.m || cb.dim == 0 {
		return errors.New("got " + itoa(dim) + " values and " + itoa(len(codes)) + " code bytes, want " + itoa(cb.dim) + " and " + itoa(cb.m))
	}
	if cb.bits < 8 && orCodes(codes) >= byte(cb.K()) {
		// K is a power of two: some code is not below K exactly when their OR is not.
		for c, code := range codes {
			if int(code) >= cb.K() {
				return errors.New("code " + itoa(int(code)) + " of sub-space " + itoa(c) + " is not below K = " + itoa(cb.K()))
			}
		}
	}
	return nil
}

// orCodes returns the bitwise OR of codes, eight at a time: decoding checks every event's
// codes on the rank path, where a loop turn per byte is dear in Go's wasm code.
func orCodes(codes []byte) byte {
	var w uint64
	i := 0
	for ; i+8 <= len(codes); i += 8 {
		w |= binary.LittleEndian.Uint64(codes[i:])
	}
	w |= w >> 32
	w |= w >> 16
	w |= w >> 8
	or := byte(w)
	for _, c := range codes[i:] {
		or |= c
	}
	return or
}

// Distortion returns the mean, over the n row-major vectors of width Dim in vectors, of the
// squared Euclidean distance between a vector and its reconstruction.
func (cb *Codebook) Distortion(vectors []float32, n int) (float64, error) {
	if cb.dim == 0 || n <= 0 || len(vectors)%cb.dim != 0 || len(vectors)/cb.dim != n {
		return 0, errors.New("pq: distortion: " + itoa(len(vectors)) + " values, want n·dim = " + itoa(n) + "·" + itoa(cb.dim))
	}
	if err := checkValues(vectors, "vectors"); err != nil {
		return 0, wrap(err, "pq: distortion")
	}
	ks, sub := cb.K(), cb.SubDim()
	var total float64
	for i := range n {
		v := vectors[i*cb.dim : (i+1)*cb.dim]
		// Encoding picks the nearest centroid per sub-space, so the reconstruction error is the
		// sum of those nearest distances.
		for c := range cb.m {
			_, d := nearest(v[c*sub:c*sub+sub], cb.centroids[c*ks*sub:(c+1)*ks*sub], ks)
			total += float64(d)
		}
	}
	return total / float64(n), nil
}

// LUTSize is the length of the table BuildLUT writes: M·K.
func (cb *Codebook) LUTSize() int { return cb.m << cb.bits }

// BuildLUT writes the inner-product lookup table of query q to dst: dst[c·K+k] = q_c·C[c][k],
// where q_c is q's c-th sub-space slice and C[c][k] centroid k of sub-space c. Then for any
// code, Σ_c dst[c·K+codes[c]] is q's dot product with the decoded vector. len(q) must be Dim and
// len(dst) LUTSize. It does not allocate.
func (cb *Codebook) BuildLUT(dst, q []float32) error {
	if len(q) != cb.dim || len(dst) != cb.LUTSize() || cb.dim == 0 {
		return errors.New("pq: build LUT: got a query of " + itoa(len(q)) + " values and a table of " + itoa(len(dst)) + ", want " + itoa(cb.dim) + " and " + itoa(cb.LUTSize()))
	}
	cb.buildLUT(dst, q, 1)
	return nil
}
