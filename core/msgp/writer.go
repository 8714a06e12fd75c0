package msgp

import (
	"math"
	"strconv"
)

// Writer appends MessagePack values to a byte slice. A length it cannot encode (negative or
// above 2³²−1) makes it stop writing and keep an error wrapping ErrLength, which Err reports.
type Writer struct {
	buf []byte
	err error
}

// NewWriter returns a Writer that appends to buf.
func NewWriter(buf []byte) *Writer { return &Writer{buf: buf} }

// Bytes returns the bytes written so far, including those of buf given to NewWriter.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns len(Bytes()).
func (w *Writer) Len() int { return len(w.buf) }

// Err returns the first error met, if any.
func (w *Writer) Err() error { return w.err }

// WriteNil writes nil.
func (w *Writer) WriteNil() { w.put1(codeNil) }

// WriteBool writes a boolean.
func (w *Writer) WriteBool(v bool) {
	if v {
		w.put1(codeTrue)
	} else {
		w.put1(codeFalse)
	}
}

// WriteInt writes an integer in the smallest encoding: non-negative values as WriteUint does,
// negative ones as a negative fixint or int8, int16, int32, int64.
func (w *Writer) WriteInt(v int64) {
	switch {
	case v >= 0:
		w.WriteUint(uint64(v))
	case v >= -32:
		w.put1(byte(v))
	case v >= math.MinInt8:
		w.put2(codeInt8, byte(v))
	case v >= math.MinInt16:
		w.put3(codeInt16, uint16(v))
	case v >= math.MinInt32:
		w.put5(codeInt32, uint32(v))
	default:
		w.put9(codeInt64, uint64(v))
	}
}

// WriteUint writes an unsigned integer in the smallest encoding: a positive fixint, uint8,
// uint16, uint32 or uint64.
func (w *Writer) WriteUint(v uint64) {
	switch {
	case v <= math.MaxInt8:
		w.put1(byte(v))
	case v <= math.MaxUint8:
		w.put2(codeUint8, byte(v))
	case v <= math.MaxUint16:
		w.put3(codeUint16, uint16(v))
	case v <= math.MaxUint32:
		w.put5(codeUint32, uint32(v))
	default:
		w.put9(codeUint64, v)
	}
}

// WriteUint32Fixed writes v as a uint32 (five bytes) whatever its value, for fields that must
// have a fixed size.
func (w *Writer) WriteUint32Fixed(v uint32) { w.put5(codeUint32, v) }

// WriteFloat32 writes a float32.
func (w *Writer) WriteFloat32(v float32) { w.put5(codeFloat32, math.Float32bits(v)) }

// WriteFloat64 writes a float64.
func (w *Writer) WriteFloat64(v float64) { w.put9(codeFloat64, math.Float64bits(v)) }

// WriteString writes a str.
func (w *Writer) WriteString(s string) {
	if !w.header(len(s), fixStrLow, maxFixStr, codeStr8, codeStr16, codeStr32) {
		return
	}
	w.buf = append(w.buf, s...)
}

// WriteBin writes a bin.
func (w *Writer) WriteBin(b []byte) {
	if !w.WriteBinHeader(len(b)) {
		return
	}
	w.buf = append(w.buf, b...)
}

// WriteBinHeader writes the header of a bin of n bytes, which the caller then writes with
// WriteRaw. It reports whether it wrote.
func (w *Writer) WriteBinHeader(n int) bool {
	return w.header(n, 0, -1, codeBin8, codeBin16, codeBin32)
}

// WriteRaw appends bytes as they are: the body of a bin whose header was written, or values
// encoded elsewhere.
func (w *Writer) WriteRaw(b []byte) {
	if w.err == nil {
		w.buf = append(w.buf, b...)
	}
}

// WriteArrayHeader writes the header of an array of n values, which follow.
func (w *Writer) WriteArrayHeader(n int) {
	w.header(n, fixArrayLow, maxFixArray, 0, codeArray16, codeArray32)
}

// WriteMapHeader writes the header of a map of n key–value pairs, which follow, key first.
func (w *Writer) WriteMapHeader(n int) {
	w.header(n, fixMapLow, maxFixMap, 0, codeMap16, codeMap32)
}

// header writes the smallest header for length n: the fix form up to maxFix (none if maxFix < 0),
// then the 8-bit form (none if code8 is 0), the 16-bit and the 32-bit form.
func (w *Writer) header(n int, fix byte, maxFix int, code8, code16, code32 byte) bool {
	switch {
	case w.err != nil:
		return false
	case n < 0 || uint64(n) > math.MaxUint32:
		w.err = &Error{Op: "length", Offset: len(w.buf), Err: ErrLength, Detail: strconv.Itoa(n)}
		return false
	case n <= maxFix:
		w.put1(fix | byte(n))
	case code8 != 0 && n <= math.MaxUint8:
		w.put2(code8, byte(n))
	case n <= math.MaxUint16:
		w.put3(code16, uint16(n))
	default:
		w.put5(code32, uint32(n))
	}
	return true
}

func (w *Writer) put1(c byte) {
	if w.err == nil {
		w.buf = append(w.buf, c)
	}
}

func (w *Writer) put2(c, v byte) {
	if w.err == nil {
		w.buf = append(w.buf, c, v)
	}
}

func (w *Writer) put3(c byte, v uint16) {
	if w.err == nil {
		w.buf = append(w.buf, c, byte(v>>8), byte(v))
	}
}

func (w *Writer) put5(c byte, v uint32) {
	if w.err == nil {
		w.buf = append(w.buf, c, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}

func (w *Writer) put9(c byte, v uint64) {
	if w.err == nil {
		w.buf = append(w.buf, c, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16),
			byte(v>>8), byte(v))
	}
}
