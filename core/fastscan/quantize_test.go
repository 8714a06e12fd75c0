package fastscan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuantizeLUTScoresWithinBound(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, m := range []int{1, 2, 8, 16, 64} {
		lut := make([]float32, 16*m)
		for c := 0; c < m; c++ {
			spread, offset := r.Float64()*3, r.NormFloat64()*5 // rows of different ranges
			for k := 0; k < 16; k++ {
				lut[16*c+k] = float32(offset + spread*r.NormFloat64())
			}
		}
		q := make([]uint8, 16*m)
		scale, bias, err := QuantizeLUT(q, lut, m)
		require.NoError(t, err)
		require.Positive(t, scale)
		seen255 := false
		for c := 0; c < m; c++ {
			row := q[16*c : 16*c+16]
			require.Contains(t, row, uint8(0), "every row's minimum maps to 0")
			for _, v := range row {
				seen255 = seen255 || v == 255
			}
		}
		require.True(t, seen255, "the widest row spans the full uint8 range")

		// Any choice of codes: bias + scale·Σq is within m·scale/2 of the float sum (plus
		// float32 rounding of scale and bias).
		for range 200 {
			var exact float64
			var sum uint16
			for c := 0; c < m; c++ {
				k := r.IntN(16)
				exact += float64(lut[16*c+k])
				sum += uint16(q[16*c+k])
			}
			approx := float64(bias) + float64(scale)*float64(sum)
			require.InDelta(t, exact, approx, float64(m)*float64(scale)/2*(1+1e-5)+1e-5*math.Abs(exact)+1e-5, "m=%d", m)
		}
	}
}

func TestQuantizeLUTConstantRows(t *testing.T) {
	lut := make([]float32, 32)
	for i := range lut {
		lut[i] = float32(1 + i/16) // row 0 all 1, row 1 all 2
	}
	q := make([]uint8, 32)
	for i := range q {
		q[i] = 7
	}
	scale, bias, err := QuantizeLUT(q, lut, 2)
	require.NoError(t, err)
	require.Zero(t, scale)
	require.Equal(t, float32(3), bias)
	require.Equal(t, make([]uint8, 32), q)
}

func TestQuantizeLUTErrors(t *testing.T) {
	good := make([]float32, 32)
	nan := append([]float32(nil), good...)
	nan[5] = float32(math.NaN())
	inf := append([]float32(nil), good...)
	inf[20] = float32(math.Inf(-1))
	for _, c := range []struct {
		name   string
		dst    []uint8
		lut    []float32
		m      int
		substr string
	}{
		{"zero rows", make([]uint8, 32), good, 0, "at least one row"},
		{"short LUT", make([]uint8, 32), good[:31], 2, "float LUT has length 31"},
		{"short dst", make([]uint8, 31), good, 2, "quantized LUT has length 31"},
		{"NaN", make([]uint8, 32), nan, 2, "row 0 holds a non-finite"},
		{"Inf", make([]uint8, 32), inf, 2, "row 1 holds a non-finite"},
	} {
		_, _, err := QuantizeLUT(c.dst, c.lut, c.m)
		require.ErrorContains(t, err, c.substr, c.name)
	}
}

// TestQuantizeLUTMatchesReference checks QuantizeLUT, whose row ranges are SIMD code in wasm
// builds, against the plain definition, entry for entry.
func TestQuantizeLUTMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	negZero := float32(math.Copysign(0, -1))
	for _, m := range []int{1, 2, 16, 36} {
		lut := make([]float32, 16*m)
		for i := range lut {
			switch r.IntN(8) {
			case 0:
				lut[i] = []float32{0, negZero}[r.IntN(2)]
			case 1:
				lut[i] = float32(r.IntN(3)) // ties
			default:
				lut[i] = float32(r.NormFloat64() * math.Exp(r.NormFloat64()))
			}
		}
		var widest, sumMin float64
		los := make([]float64, m)
		for c := range m {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range lut[16*c : 16*c+16] {
				lo, hi = min(lo, float64(v)), max(hi, float64(v))
			}
			los[c], widest, sumMin = lo, max(widest, hi-lo), sumMin+lo
		}
		want := make([]uint8, 16*m)
		for i, v := range lut {
			want[i] = uint8(min((float64(v)-los[i/16])*(255/widest)+0.5, 255))
		}
		got := make([]uint8, 16*m)
		scale, bias, err := QuantizeLUT(got, lut, m)
		require.NoError(t, err)
		require.Equal(t, want, got, "m=%d", m)
		require.Equal(t, float32(widest/255), scale)
		require.Equal(t, float32(sumMin), bias)
	}
}

func TestRowRangeImplementationsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), math.MaxFloat32, -math.MaxFloat32}
	for range 2000 {
		var row [16]float32
		for k := range row {
			row[k] = float32(r.NormFloat64())
			if r.IntN(20) == 0 {
				row[k] = specials[r.IntN(len(specials))]
			}
		}
		wantLo, wantHi, wantOK := rowRangePortable(&row)
		for _, impl := range implementations() {
			lo, hi, ok := impl.rowRange(&row)
			require.Equal(t, wantOK, ok, "%s %v", impl.name, row)
			if ok {
				// ±0 may come out either way: compare values, not bits.
				require.True(t, lo == wantLo && hi == wantHi, "%s %v: got %g %g, want %g %g", impl.name, row, lo, hi, wantLo, wantHi)
			}
		}
	}
}

func BenchmarkQuantizeLUT(b *testing.B) {
	// The coarse table of the default two-stage codec: 36 rows.
	const m = 36
	r := rand.New(rand.NewPCG(35, 36))
	lut := make([]float32, 16*m)
	for i := range lut {
		lut[i] = float32(r.NormFloat64())
	}
	dst := make([]uint8, 16*m)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := QuantizeLUT(dst, lut, m); err != nil {
			b.Fatal(err)
		}
	}
}
