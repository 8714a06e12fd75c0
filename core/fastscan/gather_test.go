package fastscan

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The gathers add to out exactly the plain loop's sums over the listed events' codes.
func TestGatherADCMatchesPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 1))
	for _, tc := range []struct{ n, m int }{{1, 2}, {77, 2}, {77, 16}, {120, 18}, {100, 36}, {64, 5}, {300, 68}} {
		// 43 events: the gathers take them four (4-bit) or two (8-bit) at a time, then one by one.
		events := make([]int32, 0, 43)
		for range 43 {
			events = append(events, int32(r.IntN(tc.n)))
		}
		start := make([]float32, len(events))
		for i := range start {
			start[i] = float32(r.NormFloat64())
		}

		lut8 := make([]float32, 256*tc.m)
		for i := range lut8 {
			lut8[i] = float32(r.NormFloat64())
		}
		codes8 := make([]byte, tc.n*tc.m)
		for i := range codes8 {
			codes8[i] = byte(r.IntN(256))
		}
		out := append([]float32(nil), start...)
		require.NoError(t, GatherADC8(out, lut8, codes8, tc.n, tc.m, events))
		for i, j := range events {
			var want float32
			for c := range tc.m {
				want += lut8[256*c+int(codes8[int(j)*tc.m+c])]
			}
			assert.Equal(t, start[i]+want, out[i], "8-bit %+v event %d", tc, j)
		}

		if tc.m%2 != 0 {
			continue
		}
		lut4 := lut8[:16*tc.m]
		codes4 := randCodes4(r, tc.n, tc.m)
		packed := make([]byte, PackedLen4(tc.n, tc.m))
		require.NoError(t, PackCodes4(packed, codes4, tc.n, tc.m))
		out = append(out[:0], start...)
		require.NoError(t, GatherADC4(out, lut4, packed, tc.n, tc.m, events))
		for i, j := range events {
			var want float32
			for c := range tc.m {
				want += lut4[16*c+int(codes4[int(j)*tc.m+c])]
			}
			assert.Equal(t, start[i]+want, out[i], "4-bit %+v event %d", tc, j)
		}
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = GatherADC4(out, lut4, packed, tc.n, tc.m, events) }))
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = GatherADC8(out, lut8, codes8, tc.n, tc.m, events) }))
	}
}

func BenchmarkGatherADC(b *testing.B) {
	// The refine step of the default two-stage codec: a shortlist of 256 of 10,000 events,
	// 36 coarse 4-bit codes and 16 fine 8-bit ones.
	const n, short, m4, m8 = 10_000, 256, 36, 16
	r := rand.New(rand.NewPCG(43, 1))
	events := make([]int32, short)
	for i := range events {
		events[i] = int32(r.IntN(n))
	}
	out := make([]float32, short)
	lut4 := make([]float32, 16*m4)
	packed := make([]byte, PackedLen4(n, m4))
	require.NoError(b, PackCodes4(packed, randCodes4(r, n, m4), n, m4))
	b.Run("4-bit/m=36", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = GatherADC4(out, lut4, packed, n, m4, events)
		}
	})
	lut8 := make([]float32, 256*m8)
	codes8 := make([]byte, n*m8)
	for i := range codes8 {
		codes8[i] = byte(r.IntN(256))
	}
	b.Run("8-bit/m=16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = GatherADC8(out, lut8, codes8, n, m8, events)
		}
	})
}

func TestGatherADCRejects(t *testing.T) {
	n, m := 40, 4
	lut := make([]float32, 256*m)
	packed := make([]byte, PackedLen4(n, m))
	codes := make([]byte, n*m)
	out := make([]float32, 2)
	ok := []int32{0, 39}
	tests := []struct {
		name string
		err4 error
		err8 error
	}{
		{"ok", GatherADC4(out, lut, packed, n, m, ok), GatherADC8(out, lut, codes, n, m, ok)},
		{"index past n", GatherADC4(out, lut, packed, n, m, []int32{40}), GatherADC8(out, lut, codes, n, m, []int32{40})},
		{"negative index", GatherADC4(out, lut, packed, n, m, []int32{-1}), GatherADC8(out, lut, codes, n, m, []int32{-1})},
		{"short output", GatherADC4(out[:1], lut, packed, n, m, ok), GatherADC8(out[:1], lut, codes, n, m, ok)},
		{"short codes", GatherADC4(out, lut, packed[:len(packed)-1], n, m, ok), GatherADC8(out, lut, codes[:len(codes)-1], n, m, ok)},
		{"short LUT", GatherADC4(out, lut[:16*m-1], packed, n, m, ok), GatherADC8(out, lut[:256*m-1], codes, n, m, ok)},
		{"bad m", GatherADC4(out, lut, packed, n, 3, ok), GatherADC8(out, lut, codes, n, 0, ok)},
		{"negative n", GatherADC4(out, lut, packed, -1, m, nil), GatherADC8(out, lut, codes, -1, m, nil)},
	}
	for _, tt := range tests {
		if tt.name == "ok" {
			require.NoError(t, tt.err4)
			require.NoError(t, tt.err8)
			continue
		}
		require.Error(t, tt.err4, tt.name)
		require.Error(t, tt.err8, tt.name)
	}
}
