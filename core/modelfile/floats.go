package modelfile

import (
	"math"
	"unsafe"
)

// decodeBlock is the number of floats decodeFloats copies before checking them, so that the
// check reads them from the cache.
const decodeBlock = 1024

// decodeFloats fills dst with the little-endian float32 values of src (4·len(dst) bytes) and
// returns the index of the first one that is not finite, or -1. On a little-endian machine,
// wasm among them, the values are copied as they are, without decoding them one by one.
func decodeFloats(dst []float32, src []byte) int {
	little := littleEndian()
	for start := 0; start < len(dst); start += decodeBlock {
		d := dst[start:min(start+decodeBlock, len(dst))]
		s := src[4*start : 4*(start+len(d))]
		if little {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d))), 4*len(d)), s)
		} else {
			for j := range d {
				d[j] = math.Float32frombits(le32(s[4*j:]))
			}
		}
		if j := firstNonFinite(d); j >= 0 {
			return start + j
		}
	}
	return -1
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// IEEE 754 single precision: a value is not finite when its exponent bits are all ones. Adding
// one to the masked exponent carries into the sign bit only from an exponent of all ones, so
// a branch-free pass, two floats to a 64-bit word, tells whether a block holds any.
const (
	expMask   = 0x7f80_0000
	expOne    = 0x0080_0000
	expMask2  = expMask<<32 | expMask
	expOne2   = expOne<<32 | expOne
	signBits2 = 0x8000_0000<<32 | 0x8000_0000
)

// firstNonFinite returns the index of the first NaN or infinity in v, or -1.
func firstNonFinite(v []float32) int {
	if len(v) == 0 {
		return -1
	}
	var acc uint64
	single := func(x float32) { acc |= uint64(math.Float32bits(x)&expMask + expOne) }
	// The words start at an 8-byte boundary; a float before it or one left over is taken alone.
	head := int(uintptr(unsafe.Pointer(unsafe.SliceData(v))) % 8 / 4)
	if head == 1 {
		single(v[0])
	}
	n := (len(v) - head) / 2
	if (len(v)-head)%2 == 1 {
		single(v[len(v)-1])
	}
	if n > 0 {
		w := unsafe.Slice((*uint64)(unsafe.Pointer(&v[head])), n)
		for len(w) >= 4 {
			acc |= (w[0]&expMask2 + expOne2) | (w[1]&expMask2 + expOne2) |
				(w[2]&expMask2 + expOne2) | (w[3]&expMask2 + expOne2)
			w = w[4:]
		}
		for _, x := range w {
			acc |= x&expMask2 + expOne2
		}
	}
	if acc&signBits2 == 0 {
		return -1
	}
	for i, x := range v {
		if math.Float32bits(x)&expMask == expMask {
			return i
		}
	}
	return -1
}

// le32 decodes the little-endian uint32 that starts b (encoding/binary would link reflect into
// the wasm module).
func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
