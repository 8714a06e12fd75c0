package fastscan

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func randCodes4(r *rand.Rand, n, m int) []byte {
	codes := make([]byte, n*m)
	for i := range codes {
		codes[i] = byte(r.IntN(16))
	}
	return codes
}

func TestPackUnpackRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range []int{2, 4, 6, 8, 16, 32, 256} {
		for _, n := range []int{0, 1, 15, 31, 32, 33, 100} {
			codes := randCodes4(r, n, m)
			packed := make([]byte, PackedLen4(n, m))
			require.NoError(t, PackCodes4(packed, codes, n, m))
			got := make([]byte, m)
			for e := 0; e < Blocks(n)*BlockSize; e++ {
				require.NoError(t, UnpackCodes4(got, packed, m, e))
				if e < n {
					require.Equal(t, codes[e*m:(e+1)*m], got, "m=%d n=%d event %d", m, n, e)
				} else {
					require.Equal(t, make([]byte, m), got, "padding event %d must have code 0", e)
				}
			}
		}
	}
}

func TestPackedLayout(t *testing.T) {
	// Event e of block b, pair p sits at byte b·16m + 32p + e%32: low nibble sub-quantizer 2p.
	const n, m = 40, 4
	codes := make([]byte, n*m)
	for e := 0; e < n; e++ {
		for c := 0; c < m; c++ {
			codes[e*m+c] = byte((e + 3*c) % 16)
		}
	}
	packed := make([]byte, PackedLen4(n, m))
	require.NoError(t, PackCodes4(packed, codes, n, m))
	require.Len(t, packed, 2*BlockSize/2*m)
	for e := 0; e < n; e++ {
		for p := 0; p < m/2; p++ {
			b := packed[e/32*16*m+32*p+e%32]
			require.Equal(t, codes[e*m+2*p], b&15, "event %d pair %d low", e, p)
			require.Equal(t, codes[e*m+2*p+1], b>>4, "event %d pair %d high", e, p)
		}
	}
}

func TestPackCodes4Errors(t *testing.T) {
	ok := make([]byte, 64)
	cases := []struct {
		name   string
		dst    []byte
		codes  []byte
		n, m   int
		substr string
	}{
		{"odd m", ok, make([]byte, 3), 1, 3, "even number"},
		{"m too large", make([]byte, 32*129), make([]byte, 258), 1, 258, "even number"},
		{"zero m", ok, nil, 1, 0, "even number"},
		{"negative n", ok, nil, -1, 2, "negative"},
		{"short codes", ok, make([]byte, 3), 2, 2, "codes has length 3"},
		{"short dst", make([]byte, 31), make([]byte, 2), 1, 2, "packed codes has length 31"},
		{"code above 15", ok, []byte{1, 16}, 1, 2, "above 15"},
	}
	for _, c := range cases {
		err := PackCodes4(c.dst, c.codes, c.n, c.m)
		require.ErrorContains(t, err, c.substr, c.name)
	}
}

func TestUnpackCodes4Errors(t *testing.T) {
	packed := make([]byte, PackedLen4(32, 4))
	for _, c := range []struct {
		name     string
		dst      []byte
		m, event int
		substr   string
	}{
		{"odd m", make([]byte, 4), 3, 0, "even number"},
		{"negative event", make([]byte, 4), 4, -1, "negative"},
		{"event past the data", make([]byte, 4), 4, 32, "packed codes has length"},
		{"short dst", make([]byte, 3), 4, 0, "destination has length 3"},
	} {
		require.ErrorContains(t, UnpackCodes4(c.dst, packed, c.m, c.event), c.substr, c.name)
	}
}

func TestBlocksAndPackedLen(t *testing.T) {
	for _, c := range []struct{ n, m, blocks, bytes int }{
		{0, 16, 0, 0}, {1, 16, 1, 256}, {32, 16, 1, 256}, {33, 16, 2, 512}, {10000, 16, 313, 80128}, {64, 2, 2, 64},
	} {
		require.Equal(t, c.blocks, Blocks(c.n), "n=%d", c.n)
		require.Equal(t, c.bytes, PackedLen4(c.n, c.m), "n=%d m=%d", c.n, c.m)
	}
}

func FuzzPackScan4(f *testing.F) {
	f.Add([]byte{0x12, 0x34, 0x56}, uint8(2), uint16(3))
	f.Add([]byte("fast scan over packed codes"), uint8(16), uint16(40))
	f.Add(make([]byte, 300), uint8(32), uint16(70))
	f.Fuzz(func(t *testing.T, data []byte, mHalf uint8, nEvents uint16) {
		m := 2 * (int(mHalf)%16 + 1)
		n := int(nEvents) % 200
		if len(data) == 0 {
			return
		}
		codes := make([]byte, n*m)
		for i := range codes {
			codes[i] = data[i%len(data)] >> (i % 5) & 15
		}
		lut := make([]uint8, 16*m)
		for i := range lut {
			lut[i] = data[(i*7+3)%len(data)] ^ byte(i)
		}
		packed := make([]byte, PackedLen4(n, m))
		require.NoError(t, PackCodes4(packed, codes, n, m))
		want := naiveScan4(lut, codes, n, m)
		for _, k := range implementations() {
			out := make([]uint16, Blocks(n)*BlockSize)
			k.scan4(lut, packed, Blocks(n), m, out)
			require.Equal(t, want, out[:n], k.name+" m="+strconv.Itoa(m))
		}
	})
}
