package pq

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fiveParts = []string{"query", "id", "text", "attrs", "dense"}

func TestTrainMultiCodebook(t *testing.T) {
	const dim = 16
	rng := newRand(30)
	parts := [][]float32{gaussian(rng, 200, dim), gaussian(rng, 300, dim), gaussian(rng, 64, dim)}
	names := []string{"query", "id", "dense"}
	opts := KMeansOptions{Seed: 2, MaxIter: 8}
	mc, err := TrainMultiCodebook(context.Background(), names, parts, dim, 4, 4, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, mc.Parts())
	assert.Equal(t, 12, mc.CodesPerEvent())
	assert.Equal(t, 12*16, mc.LUTSize())
	assert.Equal(t, []int{dim, 4, 16}, []int{mc.Dim(), mc.Bits(), mc.K()})
	for p, name := range names {
		assert.Equal(t, name, mc.Name(p))
		assert.Equal(t, p, mc.Index(name))
		assert.Equal(t, 4*p, mc.CodeOffset(p))
		n := len(parts[p]) / dim
		d, err := mc.Codebook(p).Distortion(parts[p], n)
		require.NoError(t, err)
		assert.Less(t, d, 0.5*dot64(parts[p], parts[p])/float64(n), "part %s: distortion against energy", name)
	}
	assert.Equal(t, -1, mc.Index("text"))
	assert.Equal(t, -1, mc.CodeOffset(3))
	assert.Empty(t, mc.Name(-1))
	assert.Nil(t, mc.Codebook(3))

	again, err := TrainMultiCodebook(context.Background(), names, parts, dim, 4, 4, opts)
	require.NoError(t, err)
	assert.Equal(t, mc, again, "same seed, same codebooks")

	_, err = TrainMultiCodebook(context.Background(), names[:2], parts, dim, 4, 4, opts)
	require.Error(t, err, "names and parts differ in count")
	_, err = TrainMultiCodebook(context.Background(), names, [][]float32{parts[0], parts[1], parts[2][:17]}, dim, 4, 4, opts)
	require.Error(t, err, "part length not a multiple of dim")
	_, err = TrainMultiCodebook(context.Background(), names, parts, dim, 4, 8, opts)
	require.ErrorIs(t, err, ErrTooFewPoints)
	_, err = TrainMultiCodebook(context.Background(), names, parts, dim, 5, 4, opts)
	require.Error(t, err, "m does not divide dim")
}

func TestMultiCodebookEventRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		ms      []int
		bits    int
		weights []float32
	}{
		{name: "five parts, 4 bits, unit weights", ms: []int{16, 16, 16, 16, 16}, bits: 4},
		{name: "five parts, 8 bits, weighted", ms: []int{16, 16, 16, 16, 16}, bits: 8, weights: []float32{0.3, 0.7, 1.5, -0.2, 0}},
		{name: "parts of different M", ms: []int{4, 16, 8}, bits: 4, weights: []float32{0.5, 2, 1}},
	}
	const dim = 64
	rng := newRand(31)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			books := make([]*Codebook, len(tt.ms))
			parts := make([][]float32, len(tt.ms))
			for p, m := range tt.ms {
				books[p] = randomCodebook(t, rng, dim, m, tt.bits)
				parts[p] = gaussian(rng, 1, dim)
			}
			mc, err := NewMultiCodebook(fiveParts[:len(tt.ms)], books)
			require.NoError(t, err)

			codes := make([]byte, mc.CodesPerEvent())
			require.NoError(t, mc.EncodeEvent(codes, parts))
			want := make([]float64, dim)
			partOut := make([]float32, dim)
			for p, cb := range books {
				off := mc.CodeOffset(p)
				own := make([]byte, cb.M())
				require.NoError(t, cb.Encode(own, parts[p]))
				assert.Equal(t, own, codes[off:off+cb.M()], "part %d codes", p)
				require.NoError(t, cb.Decode(partOut, own))
				w := 1.0
				if tt.weights != nil {
					w = float64(tt.weights[p])
				}
				for i, x := range partOut {
					want[i] += w * float64(x)
				}
			}

			decoded := make([]float32, dim)
			require.NoError(t, mc.DecodeEvent(decoded, codes, tt.weights))
			for i := range want {
				assert.InDelta(t, want[i], decoded[i], 1e-4, "component %d", i)
			}

			// The concatenated table scores the code as the dot product with the decoding.
			q := gaussian(rng, 1, dim)
			lut := make([]float32, mc.LUTSize())
			require.NoError(t, mc.BuildLUT(lut, q, tt.weights))
			var adc float64
			for r, code := range codes {
				adc += float64(lut[r*mc.K()+int(code)])
			}
			assert.InDelta(t, dot64(q, decoded), adc, 1e-3)
		})
	}
}

func TestNewMultiCodebookRejects(t *testing.T) {
	rng := newRand(32)
	cb := randomCodebook(t, rng, 8, 2, 4)
	other := randomCodebook(t, rng, 8, 4, 4)
	wide := randomCodebook(t, rng, 16, 2, 4)
	eightBit := randomCodebook(t, rng, 8, 2, 8)
	tests := []struct {
		name  string
		names []string
		books []*Codebook
	}{
		{name: "no parts"},
		{name: "count mismatch", names: []string{"a", "b"}, books: []*Codebook{cb}},
		{name: "too many parts", names: strings.Split("a b c d e f g h i", " "), books: []*Codebook{cb, cb, cb, cb, cb, cb, cb, cb, cb}},
		{name: "empty name", names: []string{""}, books: []*Codebook{cb}},
		{name: "long name", names: []string{strings.Repeat("x", 65)}, books: []*Codebook{cb}},
		{name: "invalid UTF-8 name", names: []string{"\xff"}, books: []*Codebook{cb}},
		{name: "repeated name", names: []string{"a", "b", "a"}, books: []*Codebook{cb, other, cb}},
		{name: "nil codebook", names: []string{"a", "b"}, books: []*Codebook{cb, nil}},
		{name: "zero codebook", names: []string{"a"}, books: []*Codebook{new(Codebook)}},
		{name: "different dims", names: []string{"a", "b"}, books: []*Codebook{cb, wide}},
		{name: "different bits", names: []string{"a", "b"}, books: []*Codebook{cb, eightBit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMultiCodebook(tt.names, tt.books)
			require.Error(t, err)
		})
	}
	_, err := NewMultiCodebook([]string{"a", "b"}, []*Codebook{cb, other})
	require.NoError(t, err, "different M per part is allowed")
}

func TestMultiCodebookRejectsBadArguments(t *testing.T) {
	rng := newRand(33)
	mc := randomMulti(t, rng, []string{"query", "id"}, 8, 2, 4)
	v := gaussian(rng, 1, 8)
	nan := append([]float32(nil), v...)
	nan[0] = float32(math.NaN())
	codes := make([]byte, 4)
	tests := []struct {
		name string
		call func() error
		is   error
	}{
		{name: "encode: one part missing", call: func() error { return mc.EncodeEvent(codes, [][]float32{v}) }},
		{name: "encode: short code", call: func() error { return mc.EncodeEvent(codes[:3], [][]float32{v, v}) }},
		{name: "encode: short part", call: func() error { return mc.EncodeEvent(codes, [][]float32{v, v[:7]}) }},
		{name: "encode: NaN", call: func() error { return mc.EncodeEvent(codes, [][]float32{v, nan}) }, is: ErrBadValue},
		{name: "decode: weights count", call: func() error { return mc.DecodeEvent(make([]float32, 8), codes, []float32{1}) }},
		{name: "decode: short code", call: func() error { return mc.DecodeEvent(make([]float32, 8), codes[:3], nil) }},
		{name: "decode: short output", call: func() error { return mc.DecodeEvent(make([]float32, 7), codes, nil) }},
		{name: "decode: code above 15", call: func() error { return mc.DecodeEvent(make([]float32, 8), []byte{0, 0, 0, 200}, nil) }},
		{name: "LUT: weights count", call: func() error { return mc.BuildLUT(make([]float32, 64), v, []float32{}) }},
		{name: "LUT: short table", call: func() error { return mc.BuildLUT(make([]float32, 63), v, nil) }},
		{name: "LUT: short query", call: func() error { return mc.BuildLUT(make([]float32, 64), v[:4], nil) }},
		{name: "zero value: encode", call: func() error { return new(MultiCodebook).EncodeEvent(nil, nil) }},
		{name: "zero value: decode", call: func() error { return new(MultiCodebook).DecodeEvent(nil, nil, nil) }},
		{name: "zero value: LUT", call: func() error { return new(MultiCodebook).BuildLUT(nil, nil, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestMultiCodebookHotPathsDoNotAllocate(t *testing.T) {
	rng := newRand(34)
	for _, bits := range []int{4, 8} {
		mc := randomMulti(t, rng, fiveParts, 64, 16, bits)
		parts := make([][]float32, 5)
		for p := range parts {
			parts[p] = gaussian(rng, 1, 64)
		}
		codes := make([]byte, mc.CodesPerEvent())
		out := make([]float32, 64)
		lut := make([]float32, mc.LUTSize())
		weights := []float32{1, 0.5, 0.5, 0.25, 2}
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = mc.EncodeEvent(codes, parts) }), "EncodeEvent")
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = mc.DecodeEvent(out, codes, weights) }), "DecodeEvent")
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = mc.BuildLUT(lut, parts[0], weights) }), "BuildLUT")
	}
}
