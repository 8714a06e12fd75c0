package pq

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrainCodebookDistortionFallsWithMAndBits(t *testing.T) {
	const n, dim = 1024, 16
	data := gaussian(newRand(20), n, dim)
	opts := KMeansOptions{Seed: 1, MaxIter: 10}
	distortion := func(m, bits int) float64 {
		cb, err := TrainCodebook(context.Background(), data, n, dim, m, bits, opts)
		require.NoError(t, err)
		assert.Equal(t, []int{dim, m, bits, 1 << bits, dim / m}, []int{cb.Dim(), cb.M(), cb.Bits(), cb.K(), cb.SubDim()})
		d, err := cb.Distortion(data, n)
		require.NoError(t, err)
		return d
	}
	var total float64
	for _, x := range data {
		total += float64(x) * float64(x)
	}
	energy := total / n

	tests := []struct {
		bits int
		ms   []int
	}{
		{bits: 4, ms: []int{1, 2, 4, 8}},
		{bits: 8, ms: []int{2, 4, 8}},
	}
	byBits := map[int]map[int]float64{}
	for _, tt := range tests {
		byBits[tt.bits] = map[int]float64{}
		prev := energy
		for _, m := range tt.ms {
			d := distortion(m, tt.bits)
			t.Logf("bits=%d M=%d distortion %.4f (vector energy %.4f)", tt.bits, m, d, energy)
			assert.Less(t, d, prev, "bits=%d M=%d", tt.bits, m)
			prev = d
			byBits[tt.bits][m] = d
		}
	}
	for _, m := range tests[1].ms {
		assert.Less(t, byBits[8][m], byBits[4][m], "M=%d: 8 bits against 4", m)
	}
}

func TestTrainCodebookIsDeterministic(t *testing.T) {
	// Both halves of every vector are equal, so only the sub-spaces' own seeds tell them apart.
	half := gaussian(newRand(21), 300, 4)
	data := make([]float32, 0, 300*8)
	for i := range 300 {
		data = append(data, half[i*4:(i+1)*4]...)
		data = append(data, half[i*4:(i+1)*4]...)
	}
	a, err := TrainCodebook(context.Background(), data, 300, 8, 2, 4, KMeansOptions{Seed: 5})
	require.NoError(t, err)
	b, err := TrainCodebook(context.Background(), data, 300, 8, 2, 4, KMeansOptions{Seed: 5})
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a.centroids[:16*4], a.centroids[16*4:])
}

func TestTrainCodebookRejects(t *testing.T) {
	data := gaussian(newRand(22), 64, 8)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name            string
		ctx             context.Context
		n, dim, m, bits int
		is              error
	}{
		{name: "3 bits", ctx: context.Background(), n: 64, dim: 8, m: 2, bits: 3},
		{name: "m does not divide dim", ctx: context.Background(), n: 64, dim: 8, m: 3, bits: 4},
		{name: "zero m", ctx: context.Background(), n: 64, dim: 8, m: 0, bits: 4},
		{name: "n·dim mismatch", ctx: context.Background(), n: 63, dim: 8, m: 2, bits: 4},
		{name: "fewer vectors than centroids", ctx: context.Background(), n: 64, dim: 8, m: 2, bits: 8, is: ErrTooFewPoints},
		{name: "cancelled", ctx: cancelled, n: 64, dim: 8, m: 2, bits: 4, is: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TrainCodebook(tt.ctx, data, tt.n, tt.dim, tt.m, tt.bits, KMeansOptions{})
			require.Error(t, err)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestEncodePicksNearestCentroids(t *testing.T) {
	tests := []struct {
		name         string
		dim, m, bits int
	}{
		{name: "4-dim sub-spaces, 4 bits", dim: 64, m: 16, bits: 4},
		{name: "4-dim sub-spaces, 8 bits", dim: 16, m: 4, bits: 8},
		{name: "3-dim sub-spaces", dim: 12, m: 4, bits: 4},
		{name: "one sub-space", dim: 5, m: 1, bits: 8},
	}
	rng := newRand(23)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := randomCodebook(t, rng, tt.dim, tt.m, tt.bits)
			sub, ks := tt.dim/tt.m, 1<<tt.bits
			v := gaussian(rng, 1, tt.dim)
			codes := make([]byte, tt.m)
			require.NoError(t, cb.Encode(codes, v))
			for c := range tt.m {
				slice := v[c*sub : (c+1)*sub]
				best := math.Inf(1)
				for k := range ks {
					best = min(best, sqDist64(slice, cb.centroids[(c*ks+k)*sub:(c*ks+k+1)*sub]))
				}
				got := sqDist64(slice, cb.centroids[(c*ks+int(codes[c]))*sub:(c*ks+int(codes[c])+1)*sub])
				assert.InDelta(t, best, got, 1e-5, "sub-space %d", c)
			}
		})
	}
}

func TestDecodeThenEncodeKeepsCodes(t *testing.T) {
	rng := newRand(24)
	for _, bits := range []int{4, 8} {
		cb := randomCodebook(t, rng, 32, 8, bits)
		for range 20 {
			codes := randomCodes(rng, 8, 1<<bits)
			v := make([]float32, 32)
			require.NoError(t, cb.Decode(v, codes))
			got := make([]byte, 8)
			require.NoError(t, cb.Encode(got, v))
			assert.Equal(t, codes, got, "bits=%d", bits)
		}
	}
}

func TestBuildLUTMatchesDecodedDot(t *testing.T) {
	tests := []struct {
		name         string
		dim, m, bits int
	}{
		{name: "d=64 M=16 4-bit", dim: 64, m: 16, bits: 4},
		{name: "d=64 M=16 8-bit", dim: 64, m: 16, bits: 8},
		{name: "d=12 M=3 4-bit", dim: 12, m: 3, bits: 4},
		{name: "d=7 M=7 8-bit", dim: 7, m: 7, bits: 8},
	}
	rng := newRand(25)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := randomCodebook(t, rng, tt.dim, tt.m, tt.bits)
			q := gaussian(rng, 1, tt.dim)
			lut := make([]float32, cb.LUTSize())
			require.Len(t, lut, tt.m<<tt.bits)
			require.NoError(t, cb.BuildLUT(lut, q))
			decoded := make([]float32, tt.dim)
			for range 20 {
				codes := randomCodes(rng, tt.m, cb.K())
				require.NoError(t, cb.Decode(decoded, codes))
				var adc float64
				for c, code := range codes {
					adc += float64(lut[c*cb.K()+int(code)])
				}
				assert.InDelta(t, dot64(q, decoded), adc, 1e-4)
			}
		})
	}
}

func TestCodebookRejectsBadArguments(t *testing.T) {
	rng := newRand(26)
	cb4 := randomCodebook(t, rng, 8, 2, 4)
	v := gaussian(rng, 1, 8)
	nan := append([]float32(nil), v...)
	nan[3] = float32(math.NaN())
	tests := []struct {
		name string
		call func() error
		is   error
	}{
		{name: "encode: short vector", call: func() error { return cb4.Encode(make([]byte, 2), v[:7]) }},
		{name: "encode: long code", call: func() error { return cb4.Encode(make([]byte, 3), v) }},
		{name: "encode: NaN", call: func() error { return cb4.Encode(make([]byte, 2), nan) }, is: ErrBadValue},
		{name: "decode: short output", call: func() error { return cb4.Decode(make([]float32, 7), []byte{0, 0}) }},
		{name: "decode: short code", call: func() error { return cb4.Decode(make([]float32, 8), []byte{0}) }},
		{name: "decode: code above 15 at 4 bits", call: func() error { return cb4.Decode(make([]float32, 8), []byte{3, 16}) }},
		{name: "LUT: short query", call: func() error { return cb4.BuildLUT(make([]float32, 32), v[:4]) }},
		{name: "LUT: short table", call: func() error { return cb4.BuildLUT(make([]float32, 31), v) }},
		{name: "distortion: n·dim mismatch", call: func() error { _, err := cb4.Distortion(v, 2); return err }},
		{name: "distortion: no vectors", call: func() error { _, err := cb4.Distortion(nil, 0); return err }},
		{name: "distortion: NaN", call: func() error { _, err := cb4.Distortion(nan, 1); return err }, is: ErrBadValue},
		{name: "zero codebook: encode", call: func() error { return new(Codebook).Encode(nil, nil) }},
		{name: "zero codebook: decode", call: func() error { return new(Codebook).Decode(nil, nil) }},
		{name: "zero codebook: LUT", call: func() error { return new(Codebook).BuildLUT(nil, nil) }},
		{name: "distortion: zero codebook", call: func() error { _, err := new(Codebook).Distortion(v, 1); return err }},
		{name: "new: centroid count", call: func() error { _, err := NewCodebook(8, 2, 4, v); return err }},
		{name: "new: NaN centroid", call: func() error {
			c := make([]float32, 8*16)
			c[100] = float32(math.Inf(1))
			_, err := NewCodebook(8, 2, 4, c)
			return err
		}, is: ErrBadValue},
		{name: "new: dim too large", call: func() error { _, err := NewCodebook(maxDim+1, 1, 4, nil); return err }},
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

func TestCodebookHotPathsDoNotAllocate(t *testing.T) {
	rng := newRand(27)
	for _, bits := range []int{4, 8} {
		cb := randomCodebook(t, rng, 64, 16, bits)
		v := gaussian(rng, 1, 64)
		codes := make([]byte, 16)
		out := make([]float32, 64)
		lut := make([]float32, cb.LUTSize())
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = cb.Encode(codes, v) }), "Encode")
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = cb.Decode(out, codes) }), "Decode")
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = cb.BuildLUT(lut, v) }), "BuildLUT")
	}
}
