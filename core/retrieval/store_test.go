package retrieval

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/model"
)

// batchCodes encodes every event with the codebooks directly and lays the codes out as a whole
// (fastscan.PackCodes4 at 4 bits, row-major at 8).
func batchCodes(t *testing.T, c *Codec, evs []Event) (packed, rows []byte) {
	t.Helper()
	d, m := testDim, c.CodesPerEvent()
	enc := model.NewEncoder(c.Model())
	parts := make([]float32, model.NumParts*d)
	groups := make([][]float32, len(c.Groups()))
	rows = make([]byte, len(evs)*m)
	for j, e := range evs {
		require.NoError(t, enc.EventParts(parts, e.Query, e.Kind, e.Item))
		for g, grp := range c.Groups() {
			groups[g] = make([]float32, d)
			sumGroup(groups[g], parts, grp)
		}
		require.NoError(t, c.Codebooks().EncodeEvent(rows[j*m:(j+1)*m], groups))
	}
	if c.Bits() == 8 {
		return rows, rows
	}
	packed = make([]byte, fastscan.PackedLen4(len(evs), m))
	require.NoError(t, fastscan.PackCodes4(packed, rows, len(evs), m))
	return packed, rows
}

func TestAppendMatchesBatch(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 4, 200, 300)
	for _, tt := range []struct {
		layout string
		bits   int
	}{{LayoutCompact, 4}, {LayoutParts, 4}, {LayoutQueryItem, 8}} {
		t.Run(tt.layout, func(t *testing.T) {
			c := trainedCodec(t, m, evs, tt.layout, tt.bits)
			packed, rows := batchCodes(t, c, evs)
			s := NewStore(c, StoreOptions{})
			for n, e := range evs {
				require.NoError(t, s.Append(e))
				// The codes so far equal the batch layout of the prefix, at block edges too.
				if slices.Contains([]int{0, 1, 30, 31, 32, 33, 100}, n) {
					want, _ := batchCodes(t, c, evs[:n+1])
					require.Equal(t, want, s.codes)
				}
			}
			assert.Equal(t, packed, s.codes)
			code := make([]byte, c.CodesPerEvent())
			for j, e := range evs {
				require.NoError(t, s.Codes(code, j))
				assert.Equal(t, rows[j*len(code):(j+1)*len(code)], code)
				assert.Equal(t, e.Time, s.Time(j))
				assert.Equal(t, e.Kind, s.Kind(j))
			}
		})
	}
}

func TestStoreVectors(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 5, 100, 200)
	h := history(t, m, evs)
	exact := exactCodec(t, m, evs[:12], LayoutCompact, 4)
	s := newStore(t, exact, StoreOptions{Int8: true}, evs[:12])
	v := make([]float32, testDim)
	for j := range s.Len() {
		require.NoError(t, s.Vector(v, j, FromCodes))
		assert.Equal(t, h.Event(j), v, "decoding the exact codebooks gives s_j back")
		require.NoError(t, s.Vector(v, j, FromInt8))
		var peak float32
		for _, x := range h.Event(j) {
			peak = max(peak, float32(math.Abs(float64(x))))
		}
		assert.InDeltaSlice(t, h.Event(j), v, float64(peak)/127/2*1.001)
	}
	require.Error(t, s.Vector(v, s.Len(), FromCodes))
	require.Error(t, s.Vector(v[:3], 0, FromCodes))
	require.Error(t, newStore(t, exact, StoreOptions{}, evs[:1]).Vector(v, 0, FromInt8))
	require.Error(t, s.Codes(make([]byte, 3), 0))
	assert.Equal(t, 2*testDim/2+5+testDim+4, s.BytesPerEvent(), "two groups of one 4-bit code per dimension, time and kind, int8 copy")
}

func TestAppendRejects(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 6, 50, 64)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	s := newStore(t, c, StoreOptions{Int8: true}, evs[:3])
	bad := evs[3]
	bad.Time = evs[0].Time + 1<<39
	require.Error(t, s.Append(bad), "too far from the first event")
	bad.Time = evs[0].Time - 1
	require.Error(t, s.Append(bad), "before the first event")
	bad = evs[3]
	bad.Kind = 7
	require.Error(t, s.Append(bad))
	bad = evs[3]
	bad.Item = &data.Item{ID: "x", Dense: [][]float32{{1}}}
	require.Error(t, s.Append(bad))
	parts := make([]float32, model.NumParts*testDim)
	parts[model.NumParts*testDim-1] = float32(math.NaN())
	require.Error(t, s.AppendParts(parts, evs[3].Time, data.Browse))
	require.Error(t, s.AppendParts(parts[:5], evs[3].Time, data.Browse))
	assert.Equal(t, 3, s.Len(), "rejected events leave the store unchanged")
	assert.Len(t, s.int8s, 3*testDim)
	late := evs[3]
	late.Time = evs[0].Time + 1<<39 - 1
	require.NoError(t, s.Append(late))
	assert.Equal(t, late.Time, s.Time(3))
	assert.Equal(t, late.Kind, s.Kind(3))
	early := evs[4]
	early.Time = evs[0].Time
	require.NoError(t, s.Append(early), "events need not come in order")
	assert.Equal(t, early.Time, s.Time(4))
}

func TestAppendAllocs(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 7, 100, 200)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	s := NewStore(c, StoreOptions{Int8: true})
	s.Reserve(len(evs) * 50)
	i := 0
	allocs := testing.AllocsPerRun(len(evs)*40, func() {
		e := evs[i%len(evs)]
		e.Time = int64(i)
		if err := s.Append(e); err != nil {
			t.Fatal(err)
		}
		i++
	})
	assert.Zero(t, allocs)
}

func TestStoreBinaryRoundTrip(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 8, 100, 300)
	for _, tt := range []struct {
		name string
		bits int
		opts StoreOptions
		n    int
	}{
		{"4-bit", 4, StoreOptions{}, 77},
		{"4-bit int8", 4, StoreOptions{Int8: true}, 64},
		{"8-bit int8", 8, StoreOptions{Int8: true}, 33},
		{"empty", 4, StoreOptions{}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := trainedCodec(t, m, evs, LayoutCompact, tt.bits)
			s := newStore(t, c, tt.opts, evs[:tt.n])
			b, err := s.MarshalBinary()
			require.NoError(t, err)
			got := NewStore(c, tt.opts)
			require.NoError(t, got.UnmarshalBinary(b))
			assert.Equal(t, s.Len(), got.Len())
			again, err := got.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, b, again)
			// The loaded store ranks as the original.
			if tt.n > 0 {
				cands := candidates(evs, itemsOf(evs, 5), data.Search)
				r := NewRanker(c)
				want, err := r.Rank(s, cands, Options{K: 4, Shortlist: 8})
				require.NoError(t, err)
				wantScores := append([]float32(nil), want.Scores...)
				have, err := r.Rank(got, cands, Options{K: 4, Shortlist: 8})
				require.NoError(t, err)
				assert.Equal(t, wantScores, have.Scores)
			}
			// It keeps appending where it left off.
			require.NoError(t, got.Append(evs[tt.n]))
			require.NoError(t, s.Append(evs[tt.n]))
			assert.Equal(t, s.codes, got.codes)
		})
	}
}

func TestStoreBinaryRejects(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 9, 100, 300)
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	s := newStore(t, c, StoreOptions{Int8: true}, evs[:40])
	good, err := s.MarshalBinary()
	require.NoError(t, err)
	const times = storeHeader // where the time offsets start
	// resum rewrites the checksum, so that a test reaches the check it aims at.
	resum := func(b []byte) []byte {
		return binary.LittleEndian.AppendUint32(b[:len(b)-4], crcOf(b[:len(b)-4]))
	}
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return resum(b)
	}
	tests := map[string][]byte{
		"empty":      nil,
		"short":      good[:10],
		"truncated":  resum(append([]byte(nil), good[:len(good)-5]...)),
		"magic":      edit(func(b []byte) { b[0] = 'X' }),
		"version":    edit(func(b []byte) { b[4] = 2 }),
		"bits":       edit(func(b []byte) { b[5] = 8 }),
		"flags":      edit(func(b []byte) { b[6] = 0 }),
		"reserved":   edit(func(b []byte) { b[7] = 1 }),
		"codec":      edit(func(b []byte) { b[8]++ }),
		"codes":      edit(func(b []byte) { b[12]++ }),
		"width":      edit(func(b []byte) { b[14]++ }),
		"count":      edit(func(b []byte) { b[16]++ }),
		"huge count": edit(func(b []byte) { b[19] = 0x7f }),
		"checksum":   func() []byte { b := append([]byte(nil), good...); b[30]++; return b }(),
		"late base":  edit(func(b []byte) { binary.LittleEndian.PutUint64(b[20:], math.MaxInt64) }),
		"first time": edit(func(b []byte) { b[times] += 2 }),
		"padding": edit(func(b []byte) {
			b[times+5*40+fastscan.PackedLen4(40, c.CodesPerEvent())-1] = 1
		}),
		"scale": edit(func(b []byte) {
			off := times + 5*40 + fastscan.PackedLen4(40, c.CodesPerEvent())
			binary.LittleEndian.PutUint32(b[off:], math.Float32bits(float32(math.Inf(1))))
		}),
		"empty base": func() []byte {
			e, err := NewStore(c, StoreOptions{Int8: true}).MarshalBinary()
			require.NoError(t, err)
			e[20] = 1
			return resum(e)
		}(),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			got := newStore(t, c, StoreOptions{Int8: true}, evs[:3])
			err := got.UnmarshalBinary(b)
			require.ErrorIs(t, err, ErrMalformed)
			assert.Equal(t, 3, got.Len(), "a rejected input leaves the store unchanged")
		})
	}
	// A store without the int8 copy refuses one with it.
	require.ErrorIs(t, NewStore(c, StoreOptions{}).UnmarshalBinary(good), ErrMalformed)
}

func FuzzStoreUnmarshal(f *testing.F) {
	m := testModel(f)
	evs := testEvents(f, 10, 50, 100)
	c := trainedCodec(f, m, evs, LayoutCompact, 4)
	for _, n := range []int{0, 1, 33} {
		b, err := newStore(f, c, StoreOptions{Int8: true}, evs[:n]).MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewStore(c, StoreOptions{Int8: true})
		if err := s.UnmarshalBinary(b); err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			assert.Zero(t, s.Len())
			return
		}
		again, err := s.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, b, again, "accepted input is canonical")
		v := make([]float32, testDim)
		for j := range s.Len() {
			require.NoError(t, s.Vector(v, j, FromCodes))
			require.NoError(t, s.Vector(v, j, FromInt8))
		}
	})
}

// TestStoreVectorMatchesCodes checks the decoding of events from the store's packed codes
// against decoding their codes, one byte each, with the codebooks (coarse, then fine), bit for
// bit: for the two-stage codec, whose fused kernel is SIMD128 in wasm builds, and the compact
// ones.
func TestStoreVectorMatchesCodes(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 7, 150, 300)
	twoStage := twoStageCodec(t, evs)
	for _, tc := range []struct {
		name string
		c    *Codec
		opts StoreOptions
	}{
		{"two-stage", twoStage, StoreOptions{}},
		{"two-stage without fine codes", twoStage, StoreOptions{SkipFine: true}},
		{"compact 4-bit", trainedCodec(t, m, evs, LayoutCompact, 4), StoreOptions{}},
		{"compact 8-bit", trainedCodec(t, m, evs, LayoutCompact, 8), StoreOptions{}},
		{"parts 4-bit", trainedCodec(t, m, evs, LayoutParts, 4), StoreOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, tc.c, tc.opts, testEvents(t, 8, 150, 100))
			code := make([]byte, tc.c.CodesPerEvent())
			want, got := make([]float32, testDim), make([]float32, testDim)
			for _, from := range []Vectors{FromCodes, FromCoarse} {
				for j := range s.Len() {
					require.NoError(t, s.Codes(code, j))
					require.NoError(t, tc.c.books.DecodeEvent(want, code, tc.c.decode))
					if from == FromCodes && s.HasFine() {
						fm := tc.c.FineBytes()
						require.NoError(t, tc.c.fine.AddDecoded(want, s.fine[j*fm:(j+1)*fm], 1))
					}
					require.NoError(t, s.Vector(got, j, from))
					require.Equal(t, float32Bits(want), float32Bits(got), "event %d from %d", j, from)
				}
				assert.Zero(t, testing.AllocsPerRun(10, func() { _ = s.Vector(got, 37, from) }))
			}
		})
	}
}

func float32Bits(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, x := range v {
		b[i] = math.Float32bits(x)
	}
	return b
}
