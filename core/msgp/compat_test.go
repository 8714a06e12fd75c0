package msgp

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"
)

// value is one MessagePack value of the compatibility tables, written by both codecs and read
// back by both.
type value struct {
	name   string
	code   byte // the format byte both codecs must choose
	write  func(w *Writer)
	encode func(e *msgpack.Encoder) error
	read   func(r *Reader) (any, error)
	decode func(d *msgpack.Decoder) (any, error)
	want   any
}

func intValue(name string, v int64, code byte) value {
	return value{
		name: name, code: code, want: v,
		write:  func(w *Writer) { w.WriteInt(v) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeInt(v) },
		read:   func(r *Reader) (any, error) { return r.ReadInt() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeInt64() },
	}
}

func uintValue(name string, v uint64, code byte) value {
	return value{
		name: name, code: code, want: v,
		write:  func(w *Writer) { w.WriteUint(v) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeUint(v) },
		read:   func(r *Reader) (any, error) { return r.ReadUint() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeUint64() },
	}
}

func strValue(n int, code byte) value {
	s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
	return value{
		name: "str len " + itoa(n), code: code, want: s,
		write:  func(w *Writer) { w.WriteString(s) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeString(s) },
		read:   func(r *Reader) (any, error) { return r.ReadString() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeString() },
	}
}

func binValue(n int, code byte) value {
	b := bytes.Repeat([]byte{0xc1, 7}, n/2)
	b = append(b, bytes.Repeat([]byte{3}, n%2)...)
	return value{
		name: "bin len " + itoa(n), code: code, want: b,
		write:  func(w *Writer) { w.WriteBin(b) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeBytes(b) },
		read:   func(r *Reader) (any, error) { return r.ReadBin() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeBytes() },
	}
}

// arrayValue is an array of n small ints 0, 1, …, n−1 mod 100.
func arrayValue(n int, code byte) value {
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i % 100)
	}
	return value{
		name: "array len " + itoa(n), code: code, want: want,
		write: func(w *Writer) {
			w.WriteArrayHeader(n)
			for _, v := range want {
				w.WriteInt(v)
			}
		},
		encode: func(e *msgpack.Encoder) error {
			if err := e.EncodeArrayLen(n); err != nil {
				return err
			}
			for _, v := range want {
				if err := e.EncodeInt(v); err != nil {
					return err
				}
			}
			return nil
		},
		read: func(r *Reader) (any, error) {
			n, err := r.ReadArrayHeader()
			if err != nil {
				return nil, err
			}
			got := make([]int64, n)
			for i := range got {
				if got[i], err = r.ReadInt(); err != nil {
					return nil, err
				}
			}
			return got, nil
		},
		decode: func(d *msgpack.Decoder) (any, error) {
			n, err := d.DecodeArrayLen()
			if err != nil {
				return nil, err
			}
			got := make([]int64, n)
			for i := range got {
				if got[i], err = d.DecodeInt64(); err != nil {
					return nil, err
				}
			}
			return got, nil
		},
	}
}

// mapValue is a map of n pairs "k<i>" → float64(i)/2.
func mapValue(n int, code byte) value {
	want := make(map[string]float64, n)
	for i := range n {
		want["k"+itoa(i)] = float64(i) / 2
	}
	return value{
		name: "map len " + itoa(n), code: code, want: want,
		write: func(w *Writer) {
			w.WriteMapHeader(n)
			for i := range n {
				w.WriteString("k" + itoa(i))
				w.WriteFloat64(float64(i) / 2)
			}
		},
		encode: func(e *msgpack.Encoder) error {
			if err := e.EncodeMapLen(n); err != nil {
				return err
			}
			for i := range n {
				if err := e.EncodeString("k" + itoa(i)); err != nil {
					return err
				}
				if err := e.EncodeFloat64(float64(i) / 2); err != nil {
					return err
				}
			}
			return nil
		},
		read: func(r *Reader) (any, error) {
			n, err := r.ReadMapHeader()
			if err != nil {
				return nil, err
			}
			got := make(map[string]float64, n)
			for range n {
				k, err := r.ReadString()
				if err != nil {
					return nil, err
				}
				if got[k], err = r.ReadFloat64(); err != nil {
					return nil, err
				}
			}
			return got, nil
		},
		decode: func(d *msgpack.Decoder) (any, error) {
			n, err := d.DecodeMapLen()
			if err != nil {
				return nil, err
			}
			got := make(map[string]float64, n)
			for range n {
				k, err := d.DecodeString()
				if err != nil {
					return nil, err
				}
				if got[k], err = d.DecodeFloat64(); err != nil {
					return nil, err
				}
			}
			return got, nil
		},
	}
}

func float32Value(v float32) value {
	return value{
		name: "float32 " + strconvFloat(float64(v)), code: codeFloat32, want: v,
		write:  func(w *Writer) { w.WriteFloat32(v) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeFloat32(v) },
		read:   func(r *Reader) (any, error) { return r.ReadFloat32() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeFloat32() },
	}
}

func float64Value(v float64) value {
	return value{
		name: "float64 " + strconvFloat(v), code: codeFloat64, want: v,
		write:  func(w *Writer) { w.WriteFloat64(v) },
		encode: func(e *msgpack.Encoder) error { return e.EncodeFloat64(v) },
		read:   func(r *Reader) (any, error) { return r.ReadFloat64() },
		decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeFloat64() },
	}
}

func compatValues() []value {
	values := []value{
		{
			name: "nil", code: codeNil, want: nil,
			write:  func(w *Writer) { w.WriteNil() },
			encode: func(e *msgpack.Encoder) error { return e.EncodeNil() },
			read:   func(r *Reader) (any, error) { return nil, r.ReadNil() },
			decode: func(d *msgpack.Decoder) (any, error) { return nil, d.DecodeNil() },
		},
	}
	for _, b := range []bool{false, true} {
		values = append(values, value{
			name: "bool " + map[bool]string{false: "false", true: "true"}[b], code: map[bool]byte{false: codeFalse, true: codeTrue}[b], want: b,
			write:  func(w *Writer) { w.WriteBool(b) },
			encode: func(e *msgpack.Encoder) error { return e.EncodeBool(b) },
			read:   func(r *Reader) (any, error) { return r.ReadBool() },
			decode: func(d *msgpack.Decoder) (any, error) { return d.DecodeBool() },
		})
	}
	ints := []struct {
		v    int64
		code byte
	}{
		{0, 0x00}, {1, 0x01}, {127, 0x7f}, {128, codeUint8}, {255, codeUint8}, {256, codeUint16},
		{65535, codeUint16}, {65536, codeUint32}, {math.MaxUint32, codeUint32}, {math.MaxUint32 + 1, codeUint64},
		{math.MaxInt64, codeUint64}, {-1, 0xff}, {-32, 0xe0}, {-33, codeInt8}, {-128, codeInt8},
		{-129, codeInt16}, {-32768, codeInt16}, {-32769, codeInt32}, {math.MinInt32, codeInt32},
		{math.MinInt32 - 1, codeInt64}, {math.MinInt64, codeInt64},
	}
	for _, c := range ints {
		values = append(values, intValue("int "+itoa64(c.v), c.v, c.code))
	}
	for _, c := range []struct {
		v    uint64
		code byte
	}{{0, 0}, {127, 0x7f}, {128, codeUint8}, {math.MaxUint16, codeUint16}, {math.MaxUint32, codeUint32}, {math.MaxUint64, codeUint64}} {
		values = append(values, uintValue("uint "+strconvUint(c.v), c.v, c.code))
	}
	for _, c := range []struct {
		n    int
		code byte
	}{{0, 0xa0}, {1, 0xa1}, {31, 0xbf}, {32, codeStr8}, {255, codeStr8}, {256, codeStr16}, {65535, codeStr16}, {65536, codeStr32}} {
		values = append(values, strValue(c.n, c.code))
	}
	for _, c := range []struct {
		n    int
		code byte
	}{{0, codeBin8}, {1, codeBin8}, {255, codeBin8}, {256, codeBin16}, {65535, codeBin16}, {65536, codeBin32}} {
		values = append(values, binValue(c.n, c.code))
	}
	for _, c := range []struct {
		n    int
		code byte
	}{{0, 0x90}, {15, 0x9f}, {16, codeArray16}, {65535, codeArray16}, {65536, codeArray32}} {
		values = append(values, arrayValue(c.n, c.code))
	}
	for _, c := range []struct {
		n    int
		code byte
	}{{0, 0x80}, {15, 0x8f}, {16, codeMap16}, {65535, codeMap16}, {65536, codeMap32}} {
		values = append(values, mapValue(c.n, c.code))
	}
	for _, v := range []float32{0, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(-1))} {
		values = append(values, float32Value(v))
	}
	for _, v := range []float64{0, 3.25, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1)} {
		values = append(values, float64Value(v))
	}
	return values
}

func TestWriterMatchesMsgpack(t *testing.T) {
	for _, v := range compatValues() {
		t.Run(v.name, func(t *testing.T) {
			w := NewWriter(nil)
			v.write(w)
			require.NoError(t, w.Err())
			got := w.Bytes()
			require.NotEmpty(t, got)
			assert.Equal(t, v.code, got[0], "format byte")

			var ref bytes.Buffer
			require.NoError(t, v.encode(msgpack.NewEncoder(&ref)))
			assert.True(t, bytes.Equal(ref.Bytes(), got), "same bytes as msgpack/v5")

			d := msgpack.NewDecoder(bytes.NewReader(got))
			decoded, err := v.decode(d)
			require.NoError(t, err)
			assert.Equal(t, v.want, decoded, "msgpack/v5 decodes what msgp wrote")
		})
	}
}

func TestReaderReadsMsgpack(t *testing.T) {
	for _, v := range compatValues() {
		t.Run(v.name, func(t *testing.T) {
			var ref bytes.Buffer
			require.NoError(t, v.encode(msgpack.NewEncoder(&ref)))
			ref.WriteByte(0xc3) // a trailing value the read must not touch
			r := NewReader(ref.Bytes())
			got, err := v.read(r)
			require.NoError(t, err)
			assert.Equal(t, v.want, got, "msgp reads what msgpack/v5 wrote")
			assert.Equal(t, ref.Len()-1, r.Offset())

			skip := NewReader(ref.Bytes())
			require.NoError(t, skip.Skip())
			assert.Equal(t, ref.Len()-1, skip.Offset(), "Skip passes over the value")
		})
	}
}

// TestReaderReadsWideEncodings reads integers and floats that msgpack/v5 writes in a fixed, not
// minimal, width (as it does for Go int64 and float fields).
func TestReaderReadsWideEncodings(t *testing.T) {
	tests := []struct {
		name   string
		encode func(e *msgpack.Encoder) error
		read   func(r *Reader) (any, error)
		want   any
	}{
		{"int8 5", func(e *msgpack.Encoder) error { return e.EncodeInt8(5) }, readInt, int64(5)},
		{"int16 -3", func(e *msgpack.Encoder) error { return e.EncodeInt16(-3) }, readInt, int64(-3)},
		{"int32 7", func(e *msgpack.Encoder) error { return e.EncodeInt32(7) }, readInt, int64(7)},
		{"int64 -1", func(e *msgpack.Encoder) error { return e.EncodeInt64(-1) }, readInt, int64(-1)},
		{"int64 as uint", func(e *msgpack.Encoder) error { return e.EncodeInt64(42) }, readUint, uint64(42)},
		{"uint8 as int", func(e *msgpack.Encoder) error { return e.EncodeUint8(200) }, readInt, int64(200)},
		{"uint64 1", func(e *msgpack.Encoder) error { return e.EncodeUint64(1) }, readInt, int64(1)},
		{"uint16 as float32", func(e *msgpack.Encoder) error { return e.EncodeUint16(300) }, readFloat32, float32(300)},
		{"negative fixint as float64", func(e *msgpack.Encoder) error { return e.EncodeInt(-7) }, readFloat64, float64(-7)},
		{"float64 as float32", func(e *msgpack.Encoder) error { return e.EncodeFloat64(0.1) }, readFloat32, float32(0.1)},
		{"float32 as float64", func(e *msgpack.Encoder) error { return e.EncodeFloat32(0.5) }, readFloat64, float64(0.5)},
		{"marshalled struct", func(e *msgpack.Encoder) error {
			return e.Encode(struct {
				A int64   `msgpack:"a"`
				B float32 `msgpack:"b"`
			}{A: 3, B: 2.5})
		}, func(r *Reader) (any, error) {
			n, err := r.ReadMapHeader()
			if err != nil || n != 2 {
				return nil, err
			}
			var out []any
			for range n {
				k, err := r.ReadString()
				if err != nil {
					return nil, err
				}
				v, err := r.ReadFloat64()
				if err != nil {
					return nil, err
				}
				out = append(out, k, v)
			}
			return out, nil
		}, []any{"a", 3.0, "b", 2.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.encode(msgpack.NewEncoder(&buf)))
			r := NewReader(buf.Bytes())
			got, err := tt.read(r)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Zero(t, r.Remaining())
		})
	}
}

func TestSkipNested(t *testing.T) {
	doc := map[string]any{
		"users": []any{
			map[string]any{"id": "u1", "events": []any{int64(1), -2.5, nil, true, []byte{1, 2, 3}}},
			map[string]any{"id": "u2", "nested": []any{[]any{[]any{[]any{"deep"}}}}},
		},
		"name": strings.Repeat("n", 300),
	}
	b, err := msgpack.Marshal(doc)
	require.NoError(t, err)
	ext := []byte{0xd4, 1, 9, 0xc7, 3, 2, 1, 2, 3, 0xd6, 0xff, 0, 0, 0, 1} // fixext1, ext8, timestamp32
	b = append(b, ext...)
	r := NewReader(b)
	for range 4 {
		require.NoError(t, r.Skip())
	}
	assert.Zero(t, r.Remaining())
}

func readInt(r *Reader) (any, error)     { return r.ReadInt() }
func readUint(r *Reader) (any, error)    { return r.ReadUint() }
func readFloat32(r *Reader) (any, error) { return r.ReadFloat32() }
func readFloat64(r *Reader) (any, error) { return r.ReadFloat64() }
