package pq

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pack returns 4-bit codes two to a byte, code 2i in the low nibble of byte i.
func pack(codes []byte) []byte {
	packed := make([]byte, (len(codes)+1)/2)
	for i, c := range codes {
		packed[i/2] |= c << (4 * (i % 2))
	}
	return packed
}

// TestEventDecoderMatchesDecodeEvent checks the decoder against DecodeEvent followed by the
// second stage's AddDecoded, bit for bit: for the two-stage shape its fused kernel serves
// (SIMD128 in wasm builds), and for the others.
func TestEventDecoderMatchesDecodeEvent(t *testing.T) {
	rng := newRand(41)
	for _, tc := range []struct {
		name    string
		dim     int
		ms      []int // sub-spaces per part
		bits    int
		weights []float32
		fine    int // sub-spaces of the second stage, 0 for none
	}{
		{"two-stage", 64, []int{32, 4}, 4, []float32{1, 0}, 16},
		{"two-stage coarse", 64, []int{32, 4}, 4, []float32{1, 0}, 0},
		{"two-stage weighted", 64, []int{32, 4}, 4, []float32{-0.5, 0}, 16},
		{"two parts weighed", 64, []int{32, 4}, 4, []float32{1, 0.25}, 16},
		{"odd offset", 16, []int{1, 8}, 4, []float32{0, 1}, 4},
		{"compact 4-bit", 16, []int{16, 4}, 4, []float32{1, 0}, 0},
		{"compact 8-bit", 16, []int{16, 4}, 8, []float32{1, 0}, 0},
		{"8-bit with fine", 16, []int{8, 2}, 8, nil, 8},
		{"fine of 2 dimensions", 16, []int{8, 2}, 4, nil, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			books := make([]*Codebook, len(tc.ms))
			names := make([]string, len(tc.ms))
			for p, m := range tc.ms {
				books[p] = randomCodebook(t, rng, tc.dim, m, tc.bits)
				names[p] = string(rune('a' + p))
			}
			mc, err := NewMultiCodebook(names, books)
			require.NoError(t, err)
			var fine *Codebook
			if tc.fine > 0 {
				fine = randomCodebook(t, rng, tc.dim, tc.fine, 8)
				// Signed zeros tell (0 + c) + f from c + f.
				fine.centroids[0], books[0].centroids[0] = float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))
			}
			dec, err := NewEventDecoder(mc, tc.weights, fine)
			require.NoError(t, err)
			want, got := make([]float32, tc.dim), make([]float32, tc.dim)
			for range 50 {
				codes := randomCodes(rng, mc.CodesPerEvent(), mc.K())
				codes[0] = 0
				packed := codes
				if tc.bits == 4 {
					packed = pack(codes)
				}
				require.Len(t, packed, dec.CodeBytes())
				require.NoError(t, mc.DecodeEvent(want, codes, tc.weights))
				var fcodes []byte
				if fine != nil {
					fcodes = randomCodes(rng, fine.M(), 256)
					fcodes[0] = 0
					require.NoError(t, fine.AddDecoded(want, fcodes, 1))
				}
				require.NoError(t, dec.Decode(got, packed, fcodes))
				assert.Equal(t, bitsOf(want), bitsOf(got))
			}
			codes := pack(randomCodes(rng, mc.CodesPerEvent(), mc.K()))
			if tc.bits == 8 {
				codes = randomCodes(rng, mc.CodesPerEvent(), mc.K())
			}
			fcodes := make([]byte, tc.fine)
			if fine == nil {
				fcodes = nil
			}
			assert.Zero(t, testing.AllocsPerRun(10, func() { _ = dec.Decode(got, codes, fcodes) }))
		})
	}
}

func bitsOf(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, x := range v {
		b[i] = math.Float32bits(x)
	}
	return b
}

func TestEventDecoderChecks(t *testing.T) {
	rng := newRand(42)
	mc := randomMulti(t, rng, []string{"a", "b"}, 16, 8, 4)
	fine := randomCodebook(t, rng, 16, 4, 8)
	_, err := NewEventDecoder(nil, nil, nil)
	require.Error(t, err)
	_, err = NewEventDecoder(mc, []float32{1}, nil)
	require.Error(t, err)
	_, err = NewEventDecoder(mc, nil, randomCodebook(t, rng, 8, 4, 8))
	require.Error(t, err)
	_, err = NewEventDecoder(mc, nil, randomCodebook(t, rng, 16, 4, 4))
	require.Error(t, err)

	dec, err := NewEventDecoder(mc, nil, fine)
	require.NoError(t, err)
	assert.Equal(t, 8, dec.CodeBytes())
	dst, codes := make([]float32, 16), make([]byte, 8)
	for name, call := range map[string]func() error{
		"short dst":    func() error { return dec.Decode(dst[1:], codes, nil) },
		"short codes":  func() error { return dec.Decode(dst, codes[1:], nil) },
		"short fine":   func() error { return dec.Decode(dst, codes, make([]byte, 3)) },
		"fine without": func() error { return mustDecoder(t, mc).Decode(dst, codes, make([]byte, 4)) },
	} {
		require.Error(t, call(), name)
	}
	require.NoError(t, dec.Decode(dst, codes, make([]byte, 4)))
}

func mustDecoder(t *testing.T, mc *MultiCodebook) *EventDecoder {
	t.Helper()
	dec, err := NewEventDecoder(mc, nil, nil)
	require.NoError(t, err)
	return dec
}
