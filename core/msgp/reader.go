package msgp

import (
	"math"
	"strconv"
)

// Limits bound the lengths a Reader accepts, on top of the bytes actually left in its input.
type Limits struct {
	MaxStr   int // bytes of a str
	MaxBin   int // bytes of a bin or of an extension's data
	MaxArray int // elements of an array
	MaxMap   int // key–value pairs of a map
}

// DefaultLimits allows strs of 1 MiB, bins of 1 GiB, arrays of 2²⁴ elements and maps of 2²⁰ pairs.
func DefaultLimits() Limits {
	return Limits{MaxStr: 1 << 20, MaxBin: 1 << 30, MaxArray: 1 << 24, MaxMap: 1 << 20}
}

// Reader reads MessagePack values one after another from a byte slice. A failed read returns an
// *Error and leaves the Reader where it was.
type Reader struct {
	buf []byte
	off int
	lim Limits
}

// NewReader returns a Reader over b with DefaultLimits.
func NewReader(b []byte) *Reader { return &Reader{buf: b, lim: DefaultLimits()} }

// SetLimits replaces the Reader's limits.
func (r *Reader) SetLimits(l Limits) { r.lim = l }

// Offset returns how many bytes have been read.
func (r *Reader) Offset() int { return r.off }

// Remaining returns how many bytes are left.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// PeekType returns the type of the next value without reading it.
func (r *Reader) PeekType() (Type, error) {
	if r.off >= len(r.buf) {
		return TypeInvalid, r.fail("value", ErrTruncated, "")
	}
	return typeOf(r.buf[r.off]), nil
}

// IsNil reports whether the next value is nil, without reading it.
func (r *Reader) IsNil() bool { return r.off < len(r.buf) && r.buf[r.off] == codeNil }

// ReadNil reads a nil.
func (r *Reader) ReadNil() error {
	if _, err := r.expect("nil", TypeNil); err != nil {
		return err
	}
	r.off++
	return nil
}

// ReadBool reads a boolean.
func (r *Reader) ReadBool() (bool, error) {
	c, err := r.expect("bool", TypeBool)
	if err != nil {
		return false, err
	}
	r.off++
	return c == codeTrue, nil
}

// ReadInt reads an integer of any encoding whose value fits an int64.
func (r *Reader) ReadInt() (int64, error) {
	v, neg, size, err := r.integer("int")
	if err != nil {
		return 0, err
	}
	if !neg && v > math.MaxInt64 {
		return 0, r.fail("int", ErrRange, "above int64")
	}
	r.off += size
	return int64(v), nil
}

// ReadUint reads an integer of any encoding whose value is not negative.
func (r *Reader) ReadUint() (uint64, error) {
	v, neg, size, err := r.integer("uint")
	if err != nil {
		return 0, err
	}
	if neg {
		return 0, r.fail("uint", ErrRange, "negative")
	}
	r.off += size
	return v, nil
}

// ReadFloat64 reads a number of any encoding, float or integer, as the nearest float64.
func (r *Reader) ReadFloat64() (float64, error) {
	c, err := r.expectNumber("float64")
	if err != nil {
		return 0, err
	}
	switch c {
	case codeFloat32:
		if !r.has(5) {
			return 0, r.fail("float64", ErrTruncated, "")
		}
		v := math.Float32frombits(be32(r.buf[r.off+1:]))
		r.off += 5
		return float64(v), nil
	case codeFloat64:
		if !r.has(9) {
			return 0, r.fail("float64", ErrTruncated, "")
		}
		v := math.Float64frombits(be64(r.buf[r.off+1:]))
		r.off += 9
		return v, nil
	}
	v, neg, size, err := r.integer("float64")
	if err != nil {
		return 0, err
	}
	r.off += size
	if neg {
		return float64(int64(v)), nil
	}
	return float64(v), nil
}

// ReadFloat32 reads a number of any encoding, float or integer, as the nearest float32 (clients
// in JavaScript, for one, write every fraction as a float64).
func (r *Reader) ReadFloat32() (float32, error) {
	c, err := r.expectNumber("float32")
	if err != nil {
		return 0, err
	}
	if c == codeFloat32 {
		if !r.has(5) {
			return 0, r.fail("float32", ErrTruncated, "")
		}
		v := math.Float32frombits(be32(r.buf[r.off+1:]))
		r.off += 5
		return v, nil
	}
	v, err := r.ReadFloat64()
	return float32(v), err
}

// ReadString reads a str into a new string.
func (r *Reader) ReadString() (string, error) {
	b, err := r.ReadStringBytes()
	return string(b), err
}

// ReadStringBytes reads a str and returns its bytes, which alias the input.
func (r *Reader) ReadStringBytes() ([]byte, error) {
	return r.payload("str", TypeStr, r.lim.MaxStr)
}

// ReadBin reads a bin and returns its bytes, which alias the input.
func (r *Reader) ReadBin() ([]byte, error) {
	return r.payload("bin", TypeBin, r.lim.MaxBin)
}

// ReadArrayHeader reads the header of an array and returns its number of elements, which follow.
func (r *Reader) ReadArrayHeader() (int, error) {
	hdr, n, err := r.header("array header", TypeArray, r.lim.MaxArray)
	if err != nil {
		return 0, err
	}
	if n > len(r.buf)-r.off-hdr {
		return 0, r.fail("array header", ErrTruncated, "more elements than bytes left")
	}
	r.off += hdr
	return n, nil
}

// ReadMapHeader reads the header of a map and returns its number of key–value pairs, which
// follow, key first.
func (r *Reader) ReadMapHeader() (int, error) {
	hdr, n, err := r.header("map header", TypeMap, r.lim.MaxMap)
	if err != nil {
		return 0, err
	}
	if n > (len(r.buf)-r.off-hdr)/2 {
		return 0, r.fail("map header", ErrTruncated, "more pairs than bytes left")
	}
	r.off += hdr
	return n, nil
}

// Skip reads one value of any type, including everything an array or map holds, and discards it.
func (r *Reader) Skip() error {
	start := r.off
	for pending := 1; pending > 0; pending-- {
		t, err := r.PeekType()
		if err != nil {
			r.off = start
			return err
		}
		switch t {
		case TypeArray:
			var n int
			n, err = r.ReadArrayHeader()
			pending += n
		case TypeMap:
			var n int
			n, err = r.ReadMapHeader()
			pending += 2 * n
		case TypeStr:
			_, err = r.ReadStringBytes()
		case TypeBin:
			_, err = r.ReadBin()
		case TypeExt:
			err = r.skipExt()
		case TypeInt:
			var size int
			_, _, size, err = r.integer("value")
			r.off += size
		case TypeFloat:
			_, err = r.ReadFloat64()
		case TypeNil, TypeBool:
			r.off++
		default:
			err = r.fail("value", ErrType, "reserved format byte 0xc1")
		}
		if err != nil {
			r.off = start
			return err
		}
	}
	return nil
}

func (r *Reader) skipExt() error {
	c := r.buf[r.off]
	hdr, n := 0, 0
	switch c {
	case codeFixExt1, codeFixExt2, codeFixExt4, codeFixExt8, codeFixExt16:
		hdr, n = 2, 1<<(c-codeFixExt1)
	case codeExt8:
		hdr = 3
	case codeExt16:
		hdr = 4
	case codeExt32:
		hdr = 6
	}
	if !r.has(hdr) {
		return r.fail("ext", ErrTruncated, "")
	}
	if c == codeExt8 || c == codeExt16 || c == codeExt32 {
		var err error
		if n, err = r.length("ext", hdr-2, r.lim.MaxBin); err != nil {
			return err
		}
	}
	if n > len(r.buf)-r.off-hdr {
		return r.fail("ext", ErrTruncated, "")
	}
	r.off += hdr + n
	return nil
}

// payload reads a str or bin.
func (r *Reader) payload(op string, t Type, limit int) ([]byte, error) {
	hdr, n, err := r.header(op, t, limit)
	if err != nil {
		return nil, err
	}
	start := r.off + hdr
	if n > len(r.buf)-start {
		return nil, r.fail(op, ErrTruncated, "")
	}
	r.off = start + n
	return r.buf[start : start+n : start+n], nil
}

// header decodes the header of a str, bin, array or map at the current offset, without reading
// it: its size in bytes and the length it declares.
func (r *Reader) header(op string, t Type, limit int) (size, n int, err error) {
	c, err := r.expect(op, t)
	if err != nil {
		return 0, 0, err
	}
	switch c {
	case codeStr8, codeBin8:
		size = 2
	case codeStr16, codeBin16, codeArray16, codeMap16:
		size = 3
	case codeStr32, codeBin32, codeArray32, codeMap32:
		size = 5
	default: // the fix forms hold the length in the format byte
		if n = int(c & fixLengthMask(t)); n > limit {
			return 0, 0, r.fail(op, ErrLimit, "length "+strconv.Itoa(n)+" over "+strconv.Itoa(limit))
		}
		return 1, n, nil
	}
	if !r.has(size) {
		return 0, 0, r.fail(op, ErrTruncated, "")
	}
	n, err = r.length(op, size-1, limit)
	return size, n, err
}

// length decodes the big-endian length of width 1, 2 or 4 bytes that follows the format byte
// and checks it against limit.
func (r *Reader) length(op string, width, limit int) (int, error) {
	var n uint64
	b := r.buf[r.off+1:]
	switch width {
	case 1:
		n = uint64(b[0])
	case 2:
		n = uint64(be16(b))
	default:
		n = uint64(be32(b))
	}
	if n > uint64(max(limit, 0)) {
		return 0, r.fail(op, ErrLimit, "length "+strconv.FormatUint(n, 10)+" over "+strconv.Itoa(limit))
	}
	return int(n), nil
}

func fixLengthMask(t Type) byte {
	if t == TypeStr {
		return maxFixStr
	}
	return maxFixArray
}

// integer decodes the integer at the current offset without reading it: its value, whether it
// is negative (v then holds an int64's bits), and its size in bytes.
func (r *Reader) integer(op string) (v uint64, neg bool, size int, err error) {
	c, err := r.expect(op, TypeInt)
	if err != nil {
		return 0, false, 0, err
	}
	switch {
	case c < fixMapLow:
		return uint64(c), false, 1, nil
	case c >= negFixLow:
		return uint64(int64(int8(c))), true, 1, nil
	}
	switch c {
	case codeUint8, codeInt8:
		size = 2
	case codeUint16, codeInt16:
		size = 3
	case codeUint32, codeInt32:
		size = 5
	default:
		size = 9
	}
	if !r.has(size) {
		return 0, false, 0, r.fail(op, ErrTruncated, "")
	}
	b := r.buf[r.off+1:]
	switch c {
	case codeUint8:
		v = uint64(b[0])
	case codeUint16:
		v = uint64(be16(b))
	case codeUint32:
		v = uint64(be32(b))
	case codeUint64:
		v = be64(b)
	case codeInt8:
		v = uint64(int64(int8(b[0])))
	case codeInt16:
		v = uint64(int64(int16(be16(b))))
	case codeInt32:
		v = uint64(int64(int32(be32(b))))
	default:
		v = be64(b)
	}
	neg = c >= codeInt8 && int64(v) < 0
	return v, neg, size, nil
}

// expect returns the format byte at the current offset if it starts a value of type t.
func (r *Reader) expect(op string, t Type) (byte, error) {
	if r.off >= len(r.buf) {
		return 0, r.fail(op, ErrTruncated, "")
	}
	c := r.buf[r.off]
	if got := typeOf(c); got != t {
		return 0, r.fail(op, ErrType, "found "+got.String())
	}
	return c, nil
}

func (r *Reader) expectNumber(op string) (byte, error) {
	if r.off >= len(r.buf) {
		return 0, r.fail(op, ErrTruncated, "")
	}
	c := r.buf[r.off]
	if got := typeOf(c); got != TypeFloat && got != TypeInt {
		return 0, r.fail(op, ErrType, "found "+got.String())
	}
	return c, nil
}

func (r *Reader) has(n int) bool { return n <= len(r.buf)-r.off }

func (r *Reader) fail(op string, err error, detail string) error {
	return &Error{Op: op, Offset: r.off, Err: err, Detail: detail}
}
