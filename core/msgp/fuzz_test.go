package msgp

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"
)

// walk reads one value of any type through the typed Read methods, recursively.
func walk(r *Reader) error {
	t, err := r.PeekType()
	if err != nil {
		return err
	}
	switch t {
	case TypeNil:
		return r.ReadNil()
	case TypeBool:
		_, err = r.ReadBool()
	case TypeInt:
		if _, err = r.ReadInt(); err != nil {
			_, err = r.ReadUint()
		}
	case TypeFloat:
		_, err = r.ReadFloat64()
	case TypeStr:
		_, err = r.ReadString()
	case TypeBin:
		_, err = r.ReadBin()
	case TypeArray, TypeMap:
		n := 0
		if t == TypeArray {
			n, err = r.ReadArrayHeader()
		} else {
			n, err = r.ReadMapHeader()
			n *= 2
		}
		for i := 0; err == nil && i < n; i++ {
			err = walk(r)
		}
	default:
		err = r.Skip()
	}
	return err
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x93, 0x01, 0xa1, 'x', 0xc0})
	f.Add([]byte{0xde, 0x00, 0x01, 0xa1, 'k', 0xcb, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xc7, 0x02, 0x05, 1, 2, 0xd8, 1})
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	doc, err := msgpack.Marshal(map[string]any{"a": []any{1, "b", 2.5, nil, []byte{1}}, "c": map[string]int{"d": -300}})
	require.NoError(f, err)
	f.Add(doc)
	f.Fuzz(func(t *testing.T, b []byte) {
		skipper := NewReader(b)
		skipErr := skipper.Skip()
		walker := NewReader(b)
		walkErr := walk(walker)
		if skipErr == nil && walkErr == nil {
			assert.Equal(t, skipper.Offset(), walker.Offset(), "Skip and the typed reads agree")
		}
		if skipErr != nil {
			assert.Zero(t, skipper.Offset(), "a failed Skip does not move")
		}
		for _, read := range readers {
			r := NewReader(b)
			if err := read(r); err != nil {
				assert.Zero(t, r.Offset())
			}
		}
		// msgpack/v5 agrees on where a value ends whenever both accept it.
		ref := bytes.NewReader(b)
		if skipErr == nil && msgpack.NewDecoder(ref).Skip() == nil {
			assert.Equal(t, len(b)-ref.Len(), skipper.Offset(), "msgpack/v5 ends the value at the same byte")
		}
	})
}

// op is one step of a round trip: a value written and its expected read-back.
type op struct {
	write func(w *Writer)
	check func(t *testing.T, r *Reader)
}

// opsFrom turns fuzz bytes into a sequence of values to write.
func opsFrom(b []byte) []op {
	var ops []op
	for len(b) > 0 {
		kind := b[0] % 10
		b = b[1:]
		var word uint64
		var raw []byte
		if len(b) >= 8 {
			word = binary.LittleEndian.Uint64(b)
			raw = b[:int(b[0])%len(b)]
			b = b[8:]
		}
		switch kind {
		case 0:
			ops = append(ops, op{func(w *Writer) { w.WriteNil() }, func(t *testing.T, r *Reader) { require.NoError(t, r.ReadNil()) }})
		case 1:
			v := word&1 == 1
			ops = append(ops, op{func(w *Writer) { w.WriteBool(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadBool()
				require.NoError(t, err)
				require.Equal(t, v, got)
			}})
		case 2:
			v := int64(word) >> (word % 64)
			ops = append(ops, op{func(w *Writer) { w.WriteInt(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadInt()
				require.NoError(t, err)
				require.Equal(t, v, got)
			}})
		case 3:
			v := word >> (word % 64)
			ops = append(ops, op{func(w *Writer) { w.WriteUint(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadUint()
				require.NoError(t, err)
				require.Equal(t, v, got)
			}})
		case 4:
			v := math.Float32frombits(uint32(word))
			ops = append(ops, op{func(w *Writer) { w.WriteFloat32(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadFloat32()
				require.NoError(t, err)
				require.Equal(t, math.Float32bits(v), math.Float32bits(got))
			}})
		case 5:
			v := math.Float64frombits(word)
			ops = append(ops, op{func(w *Writer) { w.WriteFloat64(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadFloat64()
				require.NoError(t, err)
				require.Equal(t, math.Float64bits(v), math.Float64bits(got))
			}})
		case 6:
			s := string(raw)
			ops = append(ops, op{func(w *Writer) { w.WriteString(s) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadString()
				require.NoError(t, err)
				require.Equal(t, s, got)
			}})
		case 7:
			v := bytes.Repeat(raw, int(word%300))
			ops = append(ops, op{func(w *Writer) { w.WriteBin(v) }, func(t *testing.T, r *Reader) {
				got, err := r.ReadBin()
				require.NoError(t, err)
				require.Equal(t, len(v), len(got))
				require.True(t, bytes.Equal(v, got))
			}})
		case 8, 9:
			n := int(word % 70000)
			isMap := kind == 9
			ops = append(ops, op{func(w *Writer) {
				if isMap {
					w.WriteMapHeader(n)
				} else {
					w.WriteArrayHeader(n)
				}
				for range n * (1 + int(kind-8)) {
					w.WriteNil()
				}
			}, func(t *testing.T, r *Reader) {
				var got int
				var err error
				if isMap {
					got, err = r.ReadMapHeader()
				} else {
					got, err = r.ReadArrayHeader()
				}
				require.NoError(t, err)
				require.Equal(t, n, got)
				for range n * (1 + int(kind-8)) {
					if err := r.ReadNil(); err != nil {
						t.Fatal(err)
					}
				}
			}})
		}
	}
	return ops
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 8, 0x10, 0x27, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{6, 40, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 7, 3, 1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops := opsFrom(b)
		w := NewWriter(nil)
		for _, o := range ops {
			o.write(w)
		}
		require.NoError(t, w.Err())
		r := NewReader(w.Bytes())
		for _, o := range ops {
			o.check(t, r)
		}
		require.Zero(t, r.Remaining())

		// msgpack/v5 sees the same number of values.
		d := msgpack.NewDecoder(bytes.NewReader(w.Bytes()))
		for range ops {
			require.NoError(t, d.Skip())
		}
	})
}
