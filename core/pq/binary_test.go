package pq

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodebookBinaryRoundTrip(t *testing.T) {
	tests := []struct {
		dim, m, bits int
	}{
		{dim: 64, m: 16, bits: 4},
		{dim: 64, m: 16, bits: 8},
		{dim: 3, m: 1, bits: 4},
		{dim: 10, m: 5, bits: 8},
	}
	rng := newRand(40)
	for _, tt := range tests {
		cb := randomCodebook(t, rng, tt.dim, tt.m, tt.bits)
		b, err := cb.MarshalBinary()
		require.NoError(t, err)
		require.Len(t, b, 16+4*tt.dim<<tt.bits)
		assert.Equal(t, "PQCB", string(b[:4]))
		assert.Equal(t, []uint64{1, uint64(tt.bits), 0, uint64(tt.dim), uint64(tt.m)}, []uint64{
			uint64(binary.LittleEndian.Uint16(b[4:])), uint64(b[6]), uint64(b[7]),
			uint64(binary.LittleEndian.Uint32(b[8:])), uint64(binary.LittleEndian.Uint32(b[12:])),
		})
		assert.Equal(t, math.Float32bits(cb.centroids[1]), binary.LittleEndian.Uint32(b[20:]))

		var got Codebook
		require.NoError(t, got.UnmarshalBinary(b))
		assert.Equal(t, cb, &got)
	}
	_, err := new(Codebook).MarshalBinary()
	require.Error(t, err, "zero codebook")
}

func TestMultiCodebookBinaryRoundTrip(t *testing.T) {
	rng := newRand(41)
	books := []*Codebook{randomCodebook(t, rng, 16, 4, 4), randomCodebook(t, rng, 16, 8, 4), randomCodebook(t, rng, 16, 2, 4)}
	mc, err := NewMultiCodebook([]string{"query", "text", "génère"}, books)
	require.NoError(t, err)
	b, err := mc.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, "PQMC", string(b[:4]))
	assert.Equal(t, uint16(3), binary.LittleEndian.Uint16(b[6:]))
	assert.Equal(t, byte(len("query")), b[8])

	var got MultiCodebook
	require.NoError(t, got.UnmarshalBinary(b))
	assert.Equal(t, mc, &got)
	again, err := got.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, again)

	_, err = new(MultiCodebook).MarshalBinary()
	require.Error(t, err, "zero multi-codebook")
}

// validCodebookBytes is a small well-formed Codebook encoding: dim 4, m 2, 4 bits.
func validCodebookBytes(t testing.TB) []byte {
	cb := randomCodebook(t, newRand(42), 4, 2, 4)
	b, err := cb.MarshalBinary()
	require.NoError(t, err)
	return b
}

// validMultiBytes is a small well-formed MultiCodebook encoding of two parts, "q" and "item".
func validMultiBytes(t testing.TB) []byte {
	mc := randomMulti(t, newRand(43), []string{"q", "item"}, 4, 2, 4)
	b, err := mc.MarshalBinary()
	require.NoError(t, err)
	return b
}

func edit(b []byte, f func(b []byte) []byte) []byte {
	return f(append([]byte(nil), b...))
}

func TestCodebookUnmarshalRejects(t *testing.T) {
	valid := validCodebookBytes(t)
	tests := []struct {
		name string
		data []byte
		is   error
	}{
		{name: "empty", data: nil, is: ErrMalformed},
		{name: "bad magic", data: edit(valid, func(b []byte) []byte { b[0] = 'X'; return b }), is: ErrMalformed},
		{name: "multi-codebook magic", data: edit(valid, func(b []byte) []byte { copy(b, "PQMC"); return b }), is: ErrMalformed},
		{name: "version 2", data: edit(valid, func(b []byte) []byte { b[4] = 2; return b }), is: ErrMalformed},
		{name: "3 bits", data: edit(valid, func(b []byte) []byte { b[6] = 3; return b }), is: ErrMalformed},
		{name: "reserved byte set", data: edit(valid, func(b []byte) []byte { b[7] = 1; return b }), is: ErrMalformed},
		{name: "dim 0", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 0); return b }), is: ErrMalformed},
		{name: "m 0", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 0); return b }), is: ErrMalformed},
		{name: "m does not divide dim", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 3); return b }), is: ErrMalformed},
		{name: "m above dim", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 8); return b }), is: ErrMalformed},
		{name: "huge dim", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], math.MaxUint32); return b }), is: ErrMalformed},
		{name: "largest dim, no centroids", data: edit(valid[:16], func(b []byte) []byte {
			b[6] = 8
			binary.LittleEndian.PutUint32(b[8:], maxDim)
			binary.LittleEndian.PutUint32(b[12:], 1)
			return b
		}), is: ErrMalformed},
		{name: "dim larger than the centroids", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 8); return b }), is: ErrMalformed},
		{name: "trailing byte", data: append(append([]byte(nil), valid...), 0), is: ErrMalformed},
		{name: "NaN centroid", data: edit(valid, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[16+4*5:], math.Float32bits(float32(math.NaN())))
			return b
		}), is: ErrBadValue},
		{name: "infinite centroid", data: edit(valid, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[len(b)-4:], math.Float32bits(float32(math.Inf(1))))
			return b
		}), is: ErrBadValue},
	}
	for cut := range len(valid) {
		tests = append(tests, struct {
			name string
			data []byte
			is   error
		}{name: "truncated to " + itoa(cut) + " bytes", data: valid[:cut], is: ErrMalformed})
	}
	want := randomCodebook(t, newRand(44), 8, 2, 4)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *want
			err := got.UnmarshalBinary(tt.data)
			require.ErrorIs(t, err, tt.is)
			assert.Equal(t, *want, got, "a failed unmarshal leaves the codebook unchanged")
		})
	}
}

func TestMultiCodebookUnmarshalRejects(t *testing.T) {
	valid := validMultiBytes(t)
	// Layout of valid: header (8), part "q" at 8: name length 1, name, codebook length at 10,
	// codebook at 14; part "item" follows.
	cbLen := int(binary.LittleEndian.Uint32(valid[10:]))
	second := 14 + cbLen
	other := randomCodebook(t, newRand(45), 8, 2, 4)
	otherBytes, err := other.MarshalBinary()
	require.NoError(t, err)
	tests := []struct {
		name string
		data []byte
		is   error
	}{
		{name: "empty", data: nil, is: ErrMalformed},
		{name: "bad magic", data: edit(valid, func(b []byte) []byte { b[3] = 'X'; return b }), is: ErrMalformed},
		{name: "version 0", data: edit(valid, func(b []byte) []byte { b[4] = 0; return b }), is: ErrMalformed},
		{name: "no parts", data: edit(valid[:8], func(b []byte) []byte { b[6] = 0; return b }), is: ErrMalformed},
		{name: "too many parts", data: edit(valid, func(b []byte) []byte { b[6] = MaxParts + 1; return b }), is: ErrMalformed},
		{name: "more parts than records", data: edit(valid, func(b []byte) []byte { b[6] = 3; return b }), is: ErrMalformed},
		{name: "fewer parts than records", data: edit(valid, func(b []byte) []byte { b[6] = 1; return b }), is: ErrMalformed},
		{name: "empty name", data: edit(valid, func(b []byte) []byte { return append(b[:8:8], append([]byte{0}, b[10:]...)...) }), is: ErrMalformed},
		{name: "invalid UTF-8 name", data: edit(valid, func(b []byte) []byte { b[9] = 0xff; return b }), is: ErrMalformed},
		{name: "repeated name", data: edit(valid, func(b []byte) []byte {
			// Rename "item" to "q" by rebuilding the second record.
			rest := b[second+1+4:]
			return append(append(b[:second:second], 1, 'q'), rest...)
		}), is: ErrMalformed},
		{name: "codebook length past the end", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[10:], math.MaxUint32); return b }), is: ErrMalformed},
		{name: "codebook length one short", data: edit(valid, func(b []byte) []byte { binary.LittleEndian.PutUint32(b[10:], uint32(cbLen-1)); return b }), is: ErrMalformed},
		{name: "corrupt inner codebook", data: edit(valid, func(b []byte) []byte { b[14] = 'X'; return b }), is: ErrMalformed},
		{name: "parts of different dims", data: edit(valid, func(b []byte) []byte {
			rec := append([]byte{1, 'z', 0, 0, 0, 0}, otherBytes...)
			binary.LittleEndian.PutUint32(rec[2:], uint32(len(otherBytes)))
			b[6] = 3
			return append(b, rec...)
		}), is: ErrMalformed},
		{name: "trailing byte", data: append(append([]byte(nil), valid...), 7), is: ErrMalformed},
	}
	for cut := range len(valid) {
		tests = append(tests, struct {
			name string
			data []byte
			is   error
		}{name: "truncated to " + itoa(cut) + " bytes", data: valid[:cut], is: ErrMalformed})
	}
	want := randomMulti(t, newRand(46), []string{"a"}, 8, 2, 4)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := *want
			err := got.UnmarshalBinary(tt.data)
			require.ErrorIs(t, err, tt.is)
			assert.Equal(t, *want, got, "a failed unmarshal leaves the multi-codebook unchanged")
		})
	}
}

// FuzzUnmarshal feeds arbitrary bytes to both decoders: they must never panic, and whatever they
// accept must be usable and re-encode to the same bytes.
func FuzzUnmarshal(f *testing.F) {
	f.Add(validCodebookBytes(f))
	f.Add(validMultiBytes(f))
	f.Add([]byte("PQCB"))
	f.Add([]byte("PQMC\x01\x00\x01\x00"))
	f.Add(validMultiBytes(f)[:20])
	f.Fuzz(func(t *testing.T, data []byte) {
		var cb Codebook
		if err := cb.UnmarshalBinary(data); err == nil {
			again, err := cb.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, data, again)
			codes := make([]byte, cb.M())
			require.NoError(t, cb.Encode(codes, make([]float32, cb.Dim())))
			require.NoError(t, cb.Decode(make([]float32, cb.Dim()), codes))
		}
		var mc MultiCodebook
		if err := mc.UnmarshalBinary(data); err == nil {
			again, err := mc.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, data, again)
			parts := make([][]float32, mc.Parts())
			for p := range parts {
				parts[p] = make([]float32, mc.Dim())
			}
			codes := make([]byte, mc.CodesPerEvent())
			require.NoError(t, mc.EncodeEvent(codes, parts))
			require.NoError(t, mc.DecodeEvent(make([]float32, mc.Dim()), codes, nil))
			require.NoError(t, mc.BuildLUT(make([]float32, mc.LUTSize()), parts[0], nil))
		}
	})
}
