//go:build goexperiment.simd && amd64

package fastscan

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether Scan4 and ScanMulti4 run SIMD code: on amd64, the AVX2 kernels below,
// chosen once at start-up when the CPU has AVX2, and TopK16's threshold test. QuantizeLUT's
// row ranges stay portable on amd64.
var SIMD = archsimd.X86.AVX2()

func scan4(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	if SIMD {
		scan4AVX2(lut, packed, nblocks, m, out)
		return
	}
	scan4Portable(lut, packed, nblocks, m, out)
}

func scanMulti4(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	if SIMD {
		scanMulti4AVX2(luts, packed, nblocks, m, out)
		return
	}
	scanMulti4Portable(luts, packed, nblocks, m, out)
}

// selectFast16 declines: the portable selection is the only one on amd64.
func selectFast16(_ []uint16, _ int, idx []int32, _ bool) ([]int32, bool) { return idx, false }

// selectFastFloat declines, as selectFast16 does.
func selectFastFloat(_ []float32, _ int, idx []int32, _ bool) ([]int32, bool) { return idx, false }

func rowRange(row *[16]float32) (lo, hi float32, ok bool) { return rowRangePortable(row) }

func nextAbove16(scores []uint16, i int, th uint32) int {
	if SIMD {
		return nextAbove16AVX2(scores, i, th)
	}
	return nextAbove16Portable(scores, i, th)
}

// nextAbove16AVX2 is nextAbove16Portable sixteen scores per compare: once the reservoir's
// threshold has risen, whole vectors fail it (with the scalar loop, TopK16 of 10,000 scores
// took about six times the AVX2 scan that produced them). key16(v) > th is v ≥ th, that is max(v, th) = v. The
// lane mask becomes a bitmap through its bytes (VPMOVMSKB, two bits per lane):
// Mask16x16.ToBits would need AVX-512.
func nextAbove16AVX2(scores []uint16, i int, th uint32) int {
	n := len(scores)
	if th > 0xffff {
		return n
	}
	t := archsimd.BroadcastUint16x16(uint16(th))
	for ; i+16 <= n; i += 16 {
		v := archsimd.LoadUint16x16Array((*[16]uint16)(scores[i : i+16]))
		pass := v.Max(t).Equal(v).ToInt16x16().ToBits().ReshapeToUint8s().BitsToInt8().ToMask().ToBits()
		if pass != 0 {
			return i + bits.TrailingZeros32(pass)/2
		}
	}
	return nextAbove16Portable(scores, i, th)
}

// How the AVX2 4-bit kernel works. One 32-byte load holds a sub-quantizer pair's codes for a
// whole 32-event block, events 0–15 in the low 128-bit half and 16–31 in the high one.
// VPSHUFB looks up within each half, so each LUT row is stored twice side by side (lutRows):
// one shuffle then does 32 lookups. The looked-up bytes are not widened one by one: read as
// sixteen uint16 lanes, a result holds even event e + 256·(odd event e+1); summed as is, the
// lanes carry the even events' sums in their low bytes (plus multiples of 256), and a second
// sum of the results shifted right by 8 gives the odd events' sums. The even sums are then
// total − 256·odd, exact modulo 2¹⁶, and every true sum is below 2¹⁶ (m·255 < 2¹⁶). That is
// three operations per 32 lookups where widening takes four, two of them shuffles, which
// compete with VPSHUFB for the same port.

// pairsPerPass bounds the sub-quantizer pairs whose doubled LUT rows one pass keeps on the
// stack (1 KiB); a larger m takes several passes, each adding to out.
const pairsPerPass = 16

// lutRows holds one pass's doubled LUT rows: pair j's low-nibble row at 64j, its high-nibble
// row at 64j+32, each 16-byte row twice.
type lutRows [pairsPerPass * 64]byte

// fill copies the rows of pairs p0 … p0+np−1 of lut (m rows × 16 bytes) into d.
func (d *lutRows) fill(lut []uint8, p0, np int) {
	for j := range np {
		lo, hi := lut[32*(p0+j):32*(p0+j)+16], lut[32*(p0+j)+16:32*(p0+j)+32]
		copy(d[64*j:], lo)
		copy(d[64*j+16:], lo)
		copy(d[64*j+32:], hi)
		copy(d[64*j+48:], hi)
	}
}

func load32(p unsafe.Pointer) archsimd.Uint8x32 {
	return archsimd.LoadUint8x32Array((*[32]uint8)(p))
}

func load16x16(p unsafe.Pointer) archsimd.Uint16x16 {
	return archsimd.LoadUint16x16Array((*[16]uint16)(p))
}

func store16x16(p unsafe.Pointer, v archsimd.Uint16x16) { v.StoreArray((*[16]uint16)(p)) }

// nibbles32 splits 32 code bytes into the low-nibble and high-nibble table indices. x86 has
// no byte shift: the high nibbles shift as 16-bit lanes, and the mask drops what crossed.
func nibbles32(c, low archsimd.Uint8x32) (lo, hi archsimd.Int8x32) {
	return c.And(low).BitsToInt8(), c.ReshapeToUint16s().ShiftAllRight(4).ReshapeToUint8s().And(low).BitsToInt8()
}

// lookup32 adds one pair's lookups for a block, rows at lp, to the running sums (see above).
func lookup32(lp unsafe.Pointer, lo, hi archsimd.Int8x32, acc, odd archsimd.Uint16x16) (archsimd.Uint16x16, archsimd.Uint16x16) {
	t0 := load32(lp).PermuteOrZeroGrouped(lo).ReshapeToUint16s()
	t1 := load32(unsafe.Add(lp, 32)).PermuteOrZeroGrouped(hi).ReshapeToUint16s()
	return acc.Add(t0.Add(t1)), odd.Add(t0.ShiftAllRight(8).Add(t1.ShiftAllRight(8)))
}

// finish turns a block's running sums into its 32 sums in event order and stores them at op,
// added to what op holds unless first.
func finish(op unsafe.Pointer, acc, odd archsimd.Uint16x16, first bool) {
	even := acc.Sub(odd.ShiftAllLeft(8))
	lo := even.InterleaveLoGrouped(odd) // events 0–7 | 16–23
	hi := even.InterleaveHiGrouped(odd) // events 8–15 | 24–31
	a := lo.ConcatPermute128Scalars(0, 2, hi)
	b := lo.ConcatPermute128Scalars(1, 3, hi)
	if !first {
		a, b = a.Add(load16x16(op)), b.Add(load16x16(unsafe.Add(op, 32)))
	}
	store16x16(op, a)
	store16x16(unsafe.Add(op, 32), b)
}

// scanPass is one pass over all blocks for one LUT: np pairs whose doubled rows are at lp and
// whose codes start at cp in block 0 (blocks stride bytes apart); sums go to op.
func scanPass(lp, cp, op unsafe.Pointer, stride uintptr, np, nblocks int, first bool) {
	low := archsimd.BroadcastUint8x32(0x0f)
	for range nblocks {
		var acc, odd archsimd.Uint16x16
		l, q := lp, cp
		for range np {
			lo, hi := nibbles32(load32(q), low)
			acc, odd = lookup32(l, lo, hi, acc, odd)
			l, q = unsafe.Add(l, 64), unsafe.Add(q, 32)
		}
		finish(op, acc, odd, first)
		cp, op = unsafe.Add(cp, stride), unsafe.Add(op, 2*BlockSize)
	}
}

// scanPassTwo is scanPass for two LUTs (rows at lp and lq, sums to op and oq) decoding each
// code vector once for both.
func scanPassTwo(lp, lq, cp, op, oq unsafe.Pointer, stride uintptr, np, nblocks int, first bool) {
	low := archsimd.BroadcastUint8x32(0x0f)
	for range nblocks {
		var acc, odd, acc2, odd2 archsimd.Uint16x16
		l, l2, q := lp, lq, cp
		for range np {
			lo, hi := nibbles32(load32(q), low)
			acc, odd = lookup32(l, lo, hi, acc, odd)
			acc2, odd2 = lookup32(l2, lo, hi, acc2, odd2)
			l, l2, q = unsafe.Add(l, 64), unsafe.Add(l2, 64), unsafe.Add(q, 32)
		}
		finish(op, acc, odd, first)
		finish(oq, acc2, odd2, first)
		cp, op, oq = unsafe.Add(cp, stride), unsafe.Add(op, 2*BlockSize), unsafe.Add(oq, 2*BlockSize)
	}
}

func scan4AVX2(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	if nblocks == 0 {
		return
	}
	packed, out = packed[:nblocks*BlockSize/2*m], out[:nblocks*BlockSize]
	var rows lutRows
	for p0 := 0; p0 < m/2; p0 += pairsPerPass {
		np := min(pairsPerPass, m/2-p0)
		rows.fill(lut, p0, np)
		scanPass(unsafe.Pointer(&rows), unsafe.Pointer(&packed[32*p0]), unsafe.Pointer(unsafe.SliceData(out)),
			uintptr(BlockSize/2*m), np, nblocks, p0 == 0)
	}
}

// scanMulti4AVX2 scores the LUTs two at a time, sharing the decoding of each code vector; an
// odd last LUT goes through scan4AVX2.
func scanMulti4AVX2(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	nlut := len(luts) / (16 * m)
	if nblocks == 0 || nlut == 0 {
		return
	}
	rowLen := nblocks * BlockSize
	packed, out = packed[:nblocks*BlockSize/2*m], out[:nlut*rowLen]
	var rows, rows2 lutRows
	c := 0
	for ; c+1 < nlut; c += 2 {
		lut, lut2 := luts[16*m*c:16*m*(c+1)], luts[16*m*(c+1):16*m*(c+2)]
		for p0 := 0; p0 < m/2; p0 += pairsPerPass {
			np := min(pairsPerPass, m/2-p0)
			rows.fill(lut, p0, np)
			rows2.fill(lut2, p0, np)
			scanPassTwo(unsafe.Pointer(&rows), unsafe.Pointer(&rows2), unsafe.Pointer(&packed[32*p0]),
				unsafe.Pointer(&out[rowLen*c]), unsafe.Pointer(&out[rowLen*(c+1)]),
				uintptr(BlockSize/2*m), np, nblocks, p0 == 0)
		}
	}
	if c < nlut {
		scan4AVX2(luts[16*m*c:], packed, nblocks, m, out[rowLen*c:])
	}
}
