package msgp

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readers call every Read method, by name.
var readers = map[string]func(r *Reader) error{
	"nil":     func(r *Reader) error { return r.ReadNil() },
	"bool":    func(r *Reader) error { _, err := r.ReadBool(); return err },
	"int":     func(r *Reader) error { _, err := r.ReadInt(); return err },
	"uint":    func(r *Reader) error { _, err := r.ReadUint(); return err },
	"float32": func(r *Reader) error { _, err := r.ReadFloat32(); return err },
	"float64": func(r *Reader) error { _, err := r.ReadFloat64(); return err },
	"str":     func(r *Reader) error { _, err := r.ReadString(); return err },
	"bin":     func(r *Reader) error { _, err := r.ReadBin(); return err },
	"array":   func(r *Reader) error { _, err := r.ReadArrayHeader(); return err },
	"map":     func(r *Reader) error { _, err := r.ReadMapHeader(); return err },
	"skip":    func(r *Reader) error { return r.Skip() },
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  []byte
		read   string
		want   error
		detail string
	}{
		{"empty", nil, "int", ErrTruncated, ""},
		{"empty skip", nil, "skip", ErrTruncated, ""},
		{"str as int", []byte{0xa1, 'x'}, "int", ErrType, "found str"},
		{"int as str", []byte{0x01}, "str", ErrType, "found int"},
		{"bin as str", []byte{codeBin8, 0}, "str", ErrType, "found bin"},
		{"map as array", []byte{0x80}, "array", ErrType, "found map"},
		{"nil as bool", []byte{codeNil}, "bool", ErrType, "found nil"},
		{"str as float", []byte{0xa0}, "float32", ErrType, "found str"},
		{"reserved byte", []byte{0xc1}, "skip", ErrType, "reserved format byte 0xc1"},
		{"reserved byte as nil", []byte{0xc1}, "nil", ErrType, "found invalid"},
		{"uint64 over int64", []byte{codeUint64, 0x80, 0, 0, 0, 0, 0, 0, 0}, "int", ErrRange, "above int64"},
		{"negative as uint", []byte{0xff}, "uint", ErrRange, "negative"},
		{"int8 negative as uint", []byte{codeInt8, 0x80}, "uint", ErrRange, "negative"},
		{"truncated uint16", []byte{codeUint16, 1}, "int", ErrTruncated, ""},
		{"truncated float64", []byte{codeFloat64, 0, 0, 0}, "float64", ErrTruncated, ""},
		{"truncated float32", []byte{codeFloat32, 0, 0}, "float32", ErrTruncated, ""},
		{"truncated str", []byte{0xa3, 'a', 'b'}, "str", ErrTruncated, ""},
		{"truncated str16 header", []byte{codeStr16, 0}, "str", ErrTruncated, ""},
		{"truncated bin32 body", []byte{codeBin32, 0, 0, 0, 9, 1}, "bin", ErrTruncated, ""},
		{"array longer than input", []byte{codeArray32, 0, 0, 1, 0, 1, 2}, "array", ErrTruncated, "more elements than bytes left"},
		{"map longer than input", []byte{0x82, 1, 2, 3}, "map", ErrTruncated, "more pairs than bytes left"},
		{"str over limit", append([]byte{codeStr32, 0x00, 0x20, 0, 1}, make([]byte, 1<<21)...), "str", ErrLimit, "length 2097153 over 1048576"},
		{"bin over limit", []byte{codeBin32, 0xff, 0xff, 0xff, 0xff}, "bin", ErrLimit, "over 1073741824"},
		{"array over limit", []byte{codeArray32, 0xff, 0, 0, 0}, "array", ErrLimit, ""},
		{"map over limit", []byte{codeMap32, 0x01, 0, 0, 0}, "map", ErrLimit, ""},
		{"ext over limit", []byte{codeExt32, 0xff, 0xff, 0xff, 0xff, 1}, "skip", ErrLimit, ""},
		{"truncated ext", []byte{codeFixExt16, 1, 2}, "skip", ErrTruncated, ""},
		{"truncated ext header", []byte{codeExt16, 0}, "skip", ErrTruncated, ""},
		{"skip truncated inside", []byte{0x92, 0x01, 0xa2, 'x'}, "skip", ErrTruncated, ""},
		{"skip array over limit inside", []byte{0x91, codeArray32, 0xff, 0, 0, 0}, "skip", ErrLimit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.input)
			err := readers[tt.read](r)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var merr *Error
			require.True(t, errors.As(err, &merr))
			assert.Contains(t, err.Error(), tt.detail)
			assert.Zero(t, r.Offset(), "a failed read leaves the Reader where it was")
		})
	}
}

func TestReaderLimits(t *testing.T) {
	w := NewWriter(nil)
	w.WriteString("hello")
	w.WriteBin([]byte{1, 2, 3})
	w.WriteArrayHeader(3)
	w.WriteInt(1)
	w.WriteInt(2)
	w.WriteMapHeader(1)
	w.WriteInt(3)
	w.WriteNil()
	lim := Limits{MaxStr: 4, MaxBin: 2, MaxArray: 2, MaxMap: 0}
	tests := []struct {
		name string
		read string
	}{
		{"str", "str"}, {"bin", "bin"}, {"array", "array"}, {"map", "map"},
	}
	r := NewReader(w.Bytes())
	r.SetLimits(lim)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, readers[tt.read](r), ErrLimit)
			require.ErrorIs(t, r.Skip(), ErrLimit, "Skip applies the limits too")
			r.SetLimits(DefaultLimits())
			require.NoError(t, readers[tt.read](r))
			if tt.read == "array" || tt.read == "map" {
				require.NoError(t, r.Skip())
				require.NoError(t, r.Skip())
			}
			r.SetLimits(lim)
		})
	}
	assert.Zero(t, r.Remaining())
}

func TestTruncatedPrefixes(t *testing.T) {
	for _, v := range compatValues() {
		w := NewWriter(nil)
		v.write(w)
		full := w.Bytes()
		if len(full) > 300 {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			for n := range len(full) {
				r := NewReader(full[:n])
				_, err := v.read(r)
				require.ErrorIs(t, err, ErrTruncated, "prefix of %d bytes", n)
				require.ErrorIs(t, NewReader(full[:n]).Skip(), ErrTruncated, "skip prefix of %d bytes", n)
			}
		})
	}
}

func TestPeek(t *testing.T) {
	w := NewWriter(nil)
	w.WriteNil()
	w.WriteBool(true)
	w.WriteInt(-5)
	w.WriteFloat32(1)
	w.WriteString("s")
	w.WriteBin([]byte{1})
	w.WriteArrayHeader(0)
	w.WriteMapHeader(0)
	w.WriteRaw([]byte{codeFixExt1, 1, 1})
	r := NewReader(w.Bytes())
	assert.True(t, r.IsNil())
	var types []Type
	for r.Remaining() > 0 {
		typ, err := r.PeekType()
		require.NoError(t, err)
		types = append(types, typ)
		require.NoError(t, r.Skip())
		assert.False(t, r.IsNil())
	}
	assert.Equal(t, []Type{TypeNil, TypeBool, TypeInt, TypeFloat, TypeStr, TypeBin, TypeArray, TypeMap, TypeExt}, types)
	_, err := r.PeekType()
	assert.ErrorIs(t, err, ErrTruncated)
	assert.Equal(t, "invalid", TypeInvalid.String())
	assert.Equal(t, "invalid", Type(200).String())
	assert.Equal(t, "map", TypeMap.String())
}

func TestWriterLengthError(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *Writer)
	}{
		{"negative array", func(w *Writer) { w.WriteArrayHeader(-1) }},
		{"negative map", func(w *Writer) { w.WriteMapHeader(-2) }},
		{"negative bin", func(w *Writer) { w.WriteBinHeader(-3) }},
		{"array over 2^32-1", func(w *Writer) { w.WriteArrayHeader(math.MaxUint32 + 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter([]byte{0x90})
			tt.write(w)
			w.WriteInt(1)
			w.WriteString("after the error nothing is written")
			require.ErrorIs(t, w.Err(), ErrLength)
			assert.Equal(t, []byte{0x90}, w.Bytes())
		})
	}
}

func TestWriteRawAndFixed(t *testing.T) {
	w := NewWriter(nil)
	require.True(t, w.WriteBinHeader(4))
	w.WriteRaw([]byte{1, 2, 3, 4})
	w.WriteUint32Fixed(7)
	require.NoError(t, w.Err())
	assert.Equal(t, []byte{codeBin8, 4, 1, 2, 3, 4, codeUint32, 0, 0, 0, 7}, w.Bytes())
	assert.Equal(t, 11, w.Len())
	r := NewReader(w.Bytes())
	b, err := r.ReadBin()
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3, 4}, b)
	v, err := r.ReadUint()
	require.NoError(t, err)
	assert.Equal(t, uint64(7), v)
}
