//go:build goexperiment.simd && wasm

package fastscan

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether Scan4, ScanMulti4 and TopK16 run SIMD128 code.
const SIMD = true

func scan4(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	scan4SIMD(lut, packed, nblocks, m, out)
}

func scanMulti4(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	scanMulti4SIMD(luts, packed, nblocks, m, out)
}

func rowRange(row *[16]float32) (lo, hi float32, ok bool) { return rowRangeSIMD(row) }

// nextAbove16 stays portable in wasm: topK16SIMD handles the score sets the reservoir would
// see many of.
func nextAbove16(scores []uint16, i int, th uint32) int { return nextAbove16Portable(scores, i, th) }

func selectFast16(scores []uint16, k int, idx []int32, simd bool) ([]int32, bool) {
	if !simd {
		return idx, false
	}
	return topK16SIMD(scores, k, idx)
}

func selectFastFloat(scores []float32, k int, idx []int32, simd bool) ([]int32, bool) {
	if !simd {
		return idx, false
	}
	return topKFloatSIMD(scores, k, idx)
}

// How the 4-bit kernels are shaped, from measurements under wazero (10,000 events, m = 16):
//
//   - Go's wasm code computes every address in 64-bit arithmetic and checks every slice
//     index, and each loop back-edge goes through the function's dispatch loop. So memory is
//     read through unsafe pointers, and the sub-quantizer loop is unrolled: a block kernel
//     handles a fixed chunk of 8, 4, 2 or 1 sub-quantizer pairs with constant offsets, one
//     pass over all blocks per chunk (unrolled, 14 µs where a loop over pairs took 18 µs).
//     Each pass starts from sums it reads: a zero block for the first, out for the others,
//     which costs ~4% against a kernel specialised for the first pass.
//   - Each LUT row loaded serves both 16-event halves of a 32-event block.
//   - The high nibble is shifted as 16-bit lanes and masked: x86 has no byte shift, and
//     wazero's i8x16.shr_u sequence is about twice as long.
//   - Bytes are widened to uint16 lanes with extend_low/extend_high before adding.

func loadU8(p unsafe.Pointer) archsimd.Uint8x16 {
	return archsimd.LoadUint8x16Array((*[16]uint8)(p))
}

func loadI8(p unsafe.Pointer) archsimd.Int8x16 { return archsimd.LoadInt8x16Array((*[16]int8)(p)) }

func loadU16(p unsafe.Pointer) archsimd.Uint16x8 {
	return archsimd.LoadUint16x8Array((*[8]uint16)(p))
}

func storeU16(p unsafe.Pointer, v archsimd.Uint16x8) { v.StoreArray((*[8]uint16)(p)) }

// nibbles splits 16 code bytes into the low-nibble and high-nibble table indices.
func nibbles(c, low archsimd.Uint8x16) (lo, hi archsimd.Int8x16) {
	return c.And(low).BitsToInt8(), c.ReshapeToUint16s().ShiftAllRight(4).ReshapeToUint8s().And(low).BitsToInt8()
}

// lookup adds LUT rows l0 (indexed by lo) and l1 (indexed by hi) for 16 events to their sums
// s0 (events 0–7) and s1 (events 8–15).
func lookup(l0, l1, lo, hi archsimd.Int8x16, s0, s1 archsimd.Uint16x8) (archsimd.Uint16x8, archsimd.Uint16x8) {
	t0 := l0.LookupOrZero(lo).ToBits()
	t1 := l1.LookupOrZero(hi).ToBits()
	return s0.Add(t0.ExtendLo8ToUint16()).Add(t1.ExtendLo8ToUint16()),
		s1.Add(t0.ExtendHi8ToUint16()).Add(t1.ExtendHi8ToUint16())
}

// decode loads one sub-quantizer pair's codes for a 32-event block from cp and splits them
// into table indices: lo0, hi0 for events 0–15 and lo1, hi1 for events 16–31.
func decode(cp unsafe.Pointer, low archsimd.Uint8x16) (lo0, hi0, lo1, hi1 archsimd.Int8x16) {
	lo0, hi0 = nibbles(loadU8(cp), low)
	lo1, hi1 = nibbles(loadU8(unsafe.Add(cp, 16)), low)
	return lo0, hi0, lo1, hi1
}

// lookupBlock adds the pair's two LUT rows at lp, looked up at decoded indices, to one
// block's sums: a0, a1, b0, b1 hold events 0–7, 8–15, 16–23, 24–31.
func lookupBlock(lp unsafe.Pointer, lo0, hi0, lo1, hi1 archsimd.Int8x16, a0, a1, b0, b1 archsimd.Uint16x8) (archsimd.Uint16x8, archsimd.Uint16x8, archsimd.Uint16x8, archsimd.Uint16x8) {
	l0, l1 := loadI8(lp), loadI8(unsafe.Add(lp, 16))
	a0, a1 = lookup(l0, l1, lo0, hi0, a0, a1)
	b0, b1 = lookup(l0, l1, lo1, hi1, b0, b1)
	return a0, a1, b0, b1
}

// pair adds the sub-quantizer pair whose LUT rows are at lp and whose codes are at cp to one
// block's sums.
func pair(lp, cp unsafe.Pointer, low archsimd.Uint8x16, a0, a1, b0, b1 archsimd.Uint16x8) (archsimd.Uint16x8, archsimd.Uint16x8, archsimd.Uint16x8, archsimd.Uint16x8) {
	lo0, hi0, lo1, hi1 := decode(cp, low)
	return lookupBlock(lp, lo0, hi0, lo1, hi1, a0, a1, b0, b1)
}

// pass describes one pass of a block kernel over all blocks: LUT rows at lp, codes at cp
// (advancing by stride per block), sums stored at op and read first from ip (advancing by
// istride: 0 to start from a zero block, 64 to add to earlier passes' sums in out).
type pass struct {
	lp, cp, op, ip  unsafe.Pointer
	stride, istride uintptr
	nblocks         int
}

func scan4SIMD(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	if nblocks == 0 {
		return
	}
	var zero [BlockSize]uint16
	ps := pass{
		lp:      unsafe.Pointer(unsafe.SliceData(lut)),
		cp:      unsafe.Pointer(unsafe.SliceData(packed)),
		op:      unsafe.Pointer(unsafe.SliceData(out)),
		ip:      unsafe.Pointer(&zero),
		stride:  uintptr(BlockSize / 2 * m),
		nblocks: nblocks,
	}
	for rest := m / 2; rest > 0; {
		done := chunk(rest)
		switch done {
		case 8:
			scanPairs8(ps)
		case 4:
			scanPairs4(ps)
		case 2:
			scanPairs2(ps)
		default:
			scanPairs1(ps)
		}
		rest -= done
		ps.lp, ps.cp = unsafe.Add(ps.lp, 32*done), unsafe.Add(ps.cp, 32*done)
		ps.ip, ps.istride = ps.op, 2*BlockSize
	}
}

// chunk returns how many of the rest sub-quantizer pairs the next pass takes.
func chunk(rest int) int {
	switch {
	case rest >= 8:
		return 8
	case rest >= 4:
		return 4
	case rest >= 2:
		return 2
	}
	return 1
}

func scanPairs8(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip, stride, istride := ps.lp, ps.cp, ps.op, ps.ip, ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 32), unsafe.Add(cp, 32), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 64), unsafe.Add(cp, 64), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 96), unsafe.Add(cp, 96), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 128), unsafe.Add(cp, 128), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 160), unsafe.Add(cp, 160), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 192), unsafe.Add(cp, 192), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 224), unsafe.Add(cp, 224), low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(ip, istride)
	}
}

func scanPairs4(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip, stride, istride := ps.lp, ps.cp, ps.op, ps.ip, ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 32), unsafe.Add(cp, 32), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 64), unsafe.Add(cp, 64), low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 96), unsafe.Add(cp, 96), low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(ip, istride)
	}
}

func scanPairs2(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip, stride, istride := ps.lp, ps.cp, ps.op, ps.ip, ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 32), unsafe.Add(cp, 32), low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(ip, istride)
	}
}

func scanPairs1(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip, stride, istride := ps.lp, ps.cp, ps.op, ps.ip, ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(ip, istride)
	}
}

// passTwo is pass for two LUTs over the same codes: the second LUT's rows are at lq and its
// sums at oq, read first from iq. Each code vector is decoded once for both LUTs.
type passTwo struct {
	pass
	lq, oq, iq unsafe.Pointer
}

// scanMulti4SIMD scores the LUTs two at a time, which measured faster per lookup than one
// (the code vector is decoded once for two) or four at a time (16-event halves then no
// longer share LUT loads, and the sums spill out of registers). An odd last LUT goes
// through scan4SIMD.
func scanMulti4SIMD(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	nlut := len(luts) / (16 * m)
	if nblocks == 0 || nlut == 0 {
		return
	}
	rowLen := nblocks * BlockSize
	var zero [BlockSize]uint16
	for c := 0; c+1 < nlut; c += 2 {
		ps := passTwo{
			pass: pass{
				lp:      unsafe.Pointer(&luts[16*m*c]),
				cp:      unsafe.Pointer(unsafe.SliceData(packed)),
				op:      unsafe.Pointer(&out[rowLen*c]),
				ip:      unsafe.Pointer(&zero),
				stride:  uintptr(BlockSize / 2 * m),
				nblocks: nblocks,
			},
			lq: unsafe.Pointer(&luts[16*m*(c+1)]),
			oq: unsafe.Pointer(&out[rowLen*(c+1)]),
			iq: unsafe.Pointer(&zero),
		}
		for rest := m / 2; rest > 0; {
			done := chunk(rest)
			switch done {
			case 8:
				scanTwoPairs8(ps)
			case 4:
				scanTwoPairs4(ps)
			case 2:
				scanTwoPairs2(ps)
			default:
				scanTwoPairs1(ps)
			}
			rest -= done
			ps.lp, ps.lq, ps.cp = unsafe.Add(ps.lp, 32*done), unsafe.Add(ps.lq, 32*done), unsafe.Add(ps.cp, 32*done)
			ps.ip, ps.iq, ps.istride = ps.op, ps.oq, 2*BlockSize
		}
	}
	if nlut%2 == 1 {
		c := nlut - 1
		scan4SIMD(luts[16*m*c:], packed, nblocks, m, out[rowLen*c:])
	}
}

func scanTwoPairs8(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
	stride, istride := ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		c0, c1, d0, d1 := loadU16(iq), loadU16(unsafe.Add(iq, 16)), loadU16(unsafe.Add(iq, 32)), loadU16(unsafe.Add(iq, 48))
		var x0, x1, y0, y1 archsimd.Int8x16
		x0, x1, y0, y1 = decode(cp, low)
		a0, a1, b0, b1 = lookupBlock(lp, x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(lq, x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 32), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 32), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 32), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 64), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 64), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 64), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 96), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 96), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 96), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 128), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 128), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 128), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 160), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 160), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 160), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 192), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 192), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 192), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 224), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 224), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 224), x0, x1, y0, y1, c0, c1, d0, d1)
		storeTwo(op, oq, a0, a1, b0, b1, c0, c1, d0, d1)
		cp, op, oq = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, istride), unsafe.Add(iq, istride)
	}
}

func scanTwoPairs4(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
	stride, istride := ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		c0, c1, d0, d1 := loadU16(iq), loadU16(unsafe.Add(iq, 16)), loadU16(unsafe.Add(iq, 32)), loadU16(unsafe.Add(iq, 48))
		var x0, x1, y0, y1 archsimd.Int8x16
		x0, x1, y0, y1 = decode(cp, low)
		a0, a1, b0, b1 = lookupBlock(lp, x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(lq, x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 32), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 32), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 32), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 64), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 64), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 64), x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 96), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 96), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 96), x0, x1, y0, y1, c0, c1, d0, d1)
		storeTwo(op, oq, a0, a1, b0, b1, c0, c1, d0, d1)
		cp, op, oq = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, istride), unsafe.Add(iq, istride)
	}
}

func scanTwoPairs2(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
	stride, istride := ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		c0, c1, d0, d1 := loadU16(iq), loadU16(unsafe.Add(iq, 16)), loadU16(unsafe.Add(iq, 32)), loadU16(unsafe.Add(iq, 48))
		var x0, x1, y0, y1 archsimd.Int8x16
		x0, x1, y0, y1 = decode(cp, low)
		a0, a1, b0, b1 = lookupBlock(lp, x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(lq, x0, x1, y0, y1, c0, c1, d0, d1)
		x0, x1, y0, y1 = decode(unsafe.Add(cp, 32), low)
		a0, a1, b0, b1 = lookupBlock(unsafe.Add(lp, 32), x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(unsafe.Add(lq, 32), x0, x1, y0, y1, c0, c1, d0, d1)
		storeTwo(op, oq, a0, a1, b0, b1, c0, c1, d0, d1)
		cp, op, oq = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, istride), unsafe.Add(iq, istride)
	}
}

func scanTwoPairs1(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
	stride, istride := ps.stride, ps.istride
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		c0, c1, d0, d1 := loadU16(iq), loadU16(unsafe.Add(iq, 16)), loadU16(unsafe.Add(iq, 32)), loadU16(unsafe.Add(iq, 48))
		var x0, x1, y0, y1 archsimd.Int8x16
		x0, x1, y0, y1 = decode(cp, low)
		a0, a1, b0, b1 = lookupBlock(lp, x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(lq, x0, x1, y0, y1, c0, c1, d0, d1)
		storeTwo(op, oq, a0, a1, b0, b1, c0, c1, d0, d1)
		cp, op, oq = unsafe.Add(cp, stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, istride), unsafe.Add(iq, istride)
	}
}

// storeTwo writes two LUTs' sums for one block to op and oq.
func storeTwo(op, oq unsafe.Pointer, a0, a1, b0, b1, c0, c1, d0, d1 archsimd.Uint16x8) {
	storeU16(op, a0)
	storeU16(unsafe.Add(op, 16), a1)
	storeU16(unsafe.Add(op, 32), b0)
	storeU16(unsafe.Add(op, 48), b1)
	storeU16(oq, c0)
	storeU16(unsafe.Add(oq, 16), c1)
	storeU16(unsafe.Add(oq, 32), d0)
	storeU16(unsafe.Add(oq, 48), d1)
}

// maxGroups bounds the number of score groups topK16SIMD forms; groupsPerK is how many it
// forms per score kept, when there are enough scores.
const (
	maxGroups  = 2048
	groupsPerK = 8
)

// candCap bounds the scores topK16SIMD collects above its first threshold (on the stack).
const candCap = 2048

// topK16SIMD is TopK16's selection in SIMD128 code. It reports false, having done nothing,
// when the scores are too few for its groups or too many of them tie for it to collect; the
// caller then runs the portable selection.
//
// Scalar Go code in wasm costs several nanoseconds per element, so every pass over many
// values is SIMD-wide and exact thresholds come from counting, not from sorting:
//
//  1. Scores are split into about 8k groups (at most maxGroups) and the group maxima taken.
//     Groups are lanes: a block of 8·L scores is L vectors, and group (block, lane l) holds
//     the block's scores l, l+8, l+16, …, so a block's eight maxima take one vector Max per
//     load. If k groups reach a value T, so do k scores: the k-th largest group maximum T
//     bounds the k-th largest score from below.
//  2. T is found by a binary search on the count of group maxima ≥ t, each count one SIMD
//     pass over the maxima.
//  3. One SIMD pass collects the scores ≥ T and their indices, in index order (about 1.1k to
//     3k of them).
//  4. The same binary search over those finds V, the k-th largest score, and the count above
//     it, which leaves V's ties their share of k. The result is every
//     collected index whose score exceeds V, then the lowest indices scoring V up to k in all:
//     ties go to the lower index, as in the portable selection.
func topK16SIMD(scores []uint16, k int, idx []int32) ([]int32, bool) {
	n := len(scores)
	maxBlocks := max(1, min(maxGroups, groupsPerK*k)/8)
	blockLen := 32 * ((n + 32*maxBlocks - 1) / (32 * maxBlocks))
	blocks := (n + blockLen - 1) / blockLen
	groups := 8 * blocks
	if groups <= k || k > candCap/2 {
		return idx, false
	}
	var gmax [maxGroups]uint16
	p := unsafe.Pointer(unsafe.SliceData(scores))
	g := unsafe.Pointer(&gmax)
	var gHi archsimd.Uint16x8 // largest group maxima, lane-wise
	gLo := archsimd.BroadcastUint16x8(0xffff)
	for b := range blocks {
		start, end := b*blockLen, min(n, (b+1)*blockLen)
		var v archsimd.Uint16x8
		i := start
		for ; i+32 <= end; i += 32 {
			q := unsafe.Add(p, 2*i)
			v = v.Max(loadU16(q).Max(loadU16(unsafe.Add(q, 16)))).Max(loadU16(unsafe.Add(q, 32)).Max(loadU16(unsafe.Add(q, 48))))
		}
		for ; i+8 <= end; i += 8 {
			v = v.Max(loadU16(unsafe.Add(p, 2*i)))
		}
		storeU16(unsafe.Add(g, 16*b), v)
		gLo, gHi = gLo.Min(v), gHi.Max(v)
		// A last block not a multiple of 8 long: the rest only raise maxima, so gLo stays a
		// lower bound of them.
		for ; i < end; i++ {
			lane := 8*b + (i-start)%8
			gmax[lane] = max(gmax[lane], scores[i])
			gHi = gHi.Max(archsimd.BroadcastUint16x8(scores[i]))
		}
	}
	rot8, rot4, rot2 := rotations()
	lo, hi := horizontalMin(gLo, rot8, rot4, rot2), horizontalMax(gHi, rot8, rot4, rot2)
	t := kthLargest16(gmax[:groups], lo, hi, k)

	var vals [candCap]uint16
	var at [candCap]int32
	c, ok := collect16(scores, t, &vals, &at)
	if !ok {
		return idx, false
	}
	for i := c; i%8 != 0; i++ {
		vals[i] = 0 // below t: counts at thresholds above t never see the padding
	}
	padded := vals[:(c+7)/8*8]
	v := kthLargest16(padded, t, hi, k)
	need := k // scores equal to v to keep, after those above it
	if v < 0xffff {
		need -= countAtLeast16(padded, v+1)
	}
	if cap(idx) < k {
		idx = make([]int32, k)
	}
	idx = idx[:k]
	emit16(idx, padded, &at, v, need)
	return idx, true
}

// kthLargest16 returns the k-th largest of vals, a multiple of 8 long, given that at least k
// of them reach lo and none exceeds hi, and how many exceed it: a binary search on their count
// at a threshold. (Counting at four thresholds per pass took fewer passes but no less time.)
func kthLargest16(vals []uint16, lo, hi uint16, k int) uint16 {
	a, b := int(lo), int(hi)+1 // count(≥ a) ≥ k > count(≥ b)
	for b-a > 1 {
		mid := (a + b) / 2
		if countAtLeast16(vals, uint16(mid)) >= k {
			a = mid
		} else {
			b = mid
		}
	}
	return uint16(a)
}

// countAtLeast16 returns how many of vals, a multiple of 8 and fewer than 2¹⁶ long, reach t.
// A lane of a compare mask is all ones, −1: subtracting masks counts in each lane.
func countAtLeast16(vals []uint16, t uint16) int {
	p := unsafe.Pointer(unsafe.SliceData(vals))
	th := archsimd.BroadcastUint16x8(t)
	var a0, a1 archsimd.Uint16x8
	i := 0
	for ; i+32 <= len(vals); i += 32 {
		q := unsafe.Add(p, 2*i)
		a0 = a0.Sub(loadU16(q).GreaterEqual(th).ToInt16x8().ToBits())
		a1 = a1.Sub(loadU16(unsafe.Add(q, 16)).GreaterEqual(th).ToInt16x8().ToBits())
		a0 = a0.Sub(loadU16(unsafe.Add(q, 32)).GreaterEqual(th).ToInt16x8().ToBits())
		a1 = a1.Sub(loadU16(unsafe.Add(q, 48)).GreaterEqual(th).ToInt16x8().ToBits())
	}
	for ; i < len(vals); i += 8 {
		a0 = a0.Sub(loadU16(unsafe.Add(p, 2*i)).GreaterEqual(th).ToInt16x8().ToBits())
	}
	w := a0.Add(a1).ReshapeToUint64s()
	x := w.GetElem(0) + w.GetElem(1) // four 16-bit sums, which cannot carry: the total is < 2¹⁶
	x += x >> 32
	x += x >> 16
	return int(x & 0xffff)
}

// collect16 writes the scores that reach t, and their indices, to vals and at in index
// order, and returns their count; false if more than candCap reach t.
func collect16(scores []uint16, t uint16, vals *[candCap]uint16, at *[candCap]int32) (int, bool) {
	n := len(scores)
	p := unsafe.Pointer(unsafe.SliceData(scores))
	vp, ap := unsafe.Pointer(vals), unsafe.Pointer(at)
	th, weights := archsimd.BroadcastUint16x8(t), laneWeights()
	c := 0
	i := 0
	for ; i+32 <= n; i += 32 {
		q := unsafe.Add(p, 2*i)
		m0 := loadU16(q).GreaterEqual(th)
		m1 := loadU16(unsafe.Add(q, 16)).GreaterEqual(th)
		m2 := loadU16(unsafe.Add(q, 32)).GreaterEqual(th)
		m3 := loadU16(unsafe.Add(q, 48)).GreaterEqual(th)
		any := m0.Or(m1).Or(m2.Or(m3)).ToInt16x8().ToBits().ReshapeToUint64s()
		if any.GetElem(0)|any.GetElem(1) == 0 {
			continue
		}
		if c+32 > candCap {
			return c, false
		}
		// One loop turn per score collected: back-edges are dear in Go's wasm code.
		for lanes := laneBits(m0, m1, weights) | laneBits(m2, m3, weights)<<16; lanes != 0; lanes &= lanes - 1 {
			l := bits.TrailingZeros64(lanes)
			*(*uint16)(unsafe.Add(vp, 2*c)) = *(*uint16)(unsafe.Add(q, 2*l))
			*(*int32)(unsafe.Add(ap, 4*c)) = int32(i + l)
			c++
		}
	}
	for ; i < n; i++ {
		if scores[i] >= t {
			if c == candCap {
				return c, false
			}
			vals[c], at[c] = scores[i], int32(i)
			c++
		}
	}
	return c, true
}

// laneWeights returns the vector of lane bits 1, 2, 4, …, 128.
func laneWeights() archsimd.Uint16x8 {
	return archsimd.LoadUint16x8Array(&[8]uint16{1, 2, 4, 8, 16, 32, 64, 128})
}

// laneBits returns a 16-bit mask whose bit l is lane l of m0 (lanes 0–7) and m1 (lanes 8–15):
// each mask lane keeps its weight, the halves shift into one byte each, and the eight lanes,
// whose bits are disjoint, fold into one by OR.
func laneBits(m0, m1 archsimd.Mask16x8, weights archsimd.Uint16x8) uint64 {
	x := m0.ToInt16x8().ToBits().And(weights).Or(m1.ToInt16x8().ToBits().And(weights).ShiftAllLeft(8)).ReshapeToUint64s()
	w := x.GetElem(0) | x.GetElem(1)
	w |= w >> 32
	w |= w >> 16
	return w & 0xffff
}

// emit16 writes to idx, in order, the indices at[i] of the values vals[i] above v and, of
// those equal to v, the first need. len(vals) is a multiple of 8.
func emit16(idx []int32, vals []uint16, at *[candCap]int32, v uint16, need int) {
	p := unsafe.Pointer(unsafe.SliceData(vals))
	th, weights := archsimd.BroadcastUint16x8(v), laneWeights()
	out := 0
	for i := 0; i < len(vals); i += 16 {
		m0 := loadU16(unsafe.Add(p, 2*i)).GreaterEqual(th)
		var m1 archsimd.Mask16x8
		if i+8 < len(vals) {
			m1 = loadU16(unsafe.Add(p, 2*i+16)).GreaterEqual(th)
		}
		for lanes := laneBits(m0, m1, weights); lanes != 0; lanes &= lanes - 1 {
			j := i + bits.TrailingZeros64(lanes)
			if vals[j] == v {
				if need == 0 {
					continue
				}
				need--
			}
			idx[out] = at[j]
			out++
		}
	}
}

// rotations returns the byte indices that rotate a vector by 8, 4 and 2 bytes.
func rotations() (rot8, rot4, rot2 archsimd.Int8x16) {
	var r [3][16]int8
	for j, by := range [3]int{8, 4, 2} {
		for b := range 16 {
			r[j][b] = int8((b + by) % 16)
		}
	}
	return archsimd.LoadInt8x16Array(&r[0]), archsimd.LoadInt8x16Array(&r[1]), archsimd.LoadInt8x16Array(&r[2])
}

func rotate(v archsimd.Uint16x8, by archsimd.Int8x16) archsimd.Uint16x8 {
	return v.ReshapeToUint8s().BitsToInt8().LookupOrZero(by).ToBits().ReshapeToUint16s()
}

// horizontalMax returns the largest of v's eight lanes, folding the vector onto itself.
func horizontalMax(v archsimd.Uint16x8, rot8, rot4, rot2 archsimd.Int8x16) uint16 {
	v = v.Max(rotate(v, rot8))
	v = v.Max(rotate(v, rot4))
	return v.Max(rotate(v, rot2)).GetElem(0)
}

// horizontalMin returns the smallest of v's eight lanes.
func horizontalMin(v archsimd.Uint16x8, rot8, rot4, rot2 archsimd.Int8x16) uint16 {
	v = v.Min(rotate(v, rot8))
	v = v.Min(rotate(v, rot4))
	return v.Min(rotate(v, rot2)).GetElem(0)
}

// rowRangeSIMD is rowRangePortable on four vectors. v − v is 0 for a finite v and NaN for NaN
// or ±Inf, so one sum of those tells whether the row is finite.
func rowRangeSIMD(row *[16]float32) (lo, hi float32, ok bool) {
	p := unsafe.Pointer(row)
	a, b := archsimd.LoadFloat32x4Array((*[4]float32)(p)), archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, 16)))
	c, d := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, 32))), archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, 48)))
	z := a.Sub(a).Add(b.Sub(b)).Add(c.Sub(c).Add(d.Sub(d)))
	if s := (z.GetElem(0) + z.GetElem(1)) + (z.GetElem(2) + z.GetElem(3)); s != 0 {
		return 0, 0, false
	}
	mn, mx := a.Min(b).Min(c.Min(d)), a.Max(b).Max(c.Max(d))
	return min4(mn.GetElem(0), mn.GetElem(1), mn.GetElem(2), mn.GetElem(3)),
		max4(mx.GetElem(0), mx.GetElem(1), mx.GetElem(2), mx.GetElem(3)), true
}

// min4 and max4 compare: Go's wasm port does not inline min and max for floats.
func min4(a, b, c, d float32) float32 {
	if b < a {
		a = b
	}
	if d < c {
		c = d
	}
	if c < a {
		a = c
	}
	return a
}

func max4(a, b, c, d float32) float32 {
	if b > a {
		a = b
	}
	if d > c {
		c = d
	}
	if c > a {
		a = c
	}
	return a
}

// floatCap bounds the scores topKFloatSIMD takes (their keys live on the stack): the refine
// step's shortlists, 4·K by default.
const floatCap = 1024

// topKFloatSIMD is TopKFloat's selection in SIMD128 code, for up to floatCap scores and k below
// their count; it reports false, having done nothing, otherwise. It maps the scores to their
// order keys (floatKey) in one pass, finds V, the k-th largest key, by counting keys at four
// thresholds per pass (stopping early when a threshold admits exactly k), and emits the indices
// of the keys above V and of the first ones equal to it: the portable reservoir's set, with its
// ties to the lower index. The reservoir's quickselect costs several bounds-checked scalar
// passes over the candidates.
func topKFloatSIMD(scores []float32, k int, idx []int32) ([]int32, bool) {
	n := len(scores)
	if n > floatCap || k >= n {
		return idx, false
	}
	var keys [floatCap]uint32 // zero past n: below every threshold the search counts at
	p, kp := unsafe.Pointer(unsafe.SliceData(scores)), unsafe.Pointer(&keys)
	var zero archsimd.Float32x4
	sign := archsimd.BroadcastUint32x4(1 << 31)
	lo, hi := archsimd.BroadcastUint32x4(0xffffffff), archsimd.Uint32x4{}
	i := 0
	for ; i+4 <= n; i += 4 {
		v := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, 4*i)))
		b := v.Add(zero).ToBits() // −0 + 0 = +0
		key := b.Xor(b.BitsToInt32().ShiftAllRight(31).ToBits().Or(sign)).Masked(v.Equal(v))
		key.StoreArray((*[4]uint32)(unsafe.Add(kp, 4*i)))
		lo, hi = lo.Min(key), hi.Max(key)
	}
	a, b := uint64(min(lo.GetElem(0), lo.GetElem(1), lo.GetElem(2), lo.GetElem(3))),
		uint64(max(hi.GetElem(0), hi.GetElem(1), hi.GetElem(2), hi.GetElem(3)))
	for ; i < n; i++ {
		keys[i] = floatKey(scores[i])
		a, b = min(a, uint64(keys[i])), max(b, uint64(keys[i]))
	}
	vals := keys[:(n+15)/16*16]
	b++
	// The search keeps count(≥ a) ≥ k > count(≥ b); need is how many keys equal to V to keep,
	// after those above it.
	need := k
	for b-a > 1 {
		var t [4]uint32
		for j := range t {
			t[j] = uint32(a + (b-a)*uint64(j+1)/5)
		}
		c := countAtLeast32x4(vals, t)
		for j, tj := range t {
			if uint64(tj) <= a || uint64(tj) >= b {
				continue // a narrow range repeats thresholds
			}
			if c[j] == k {
				a, b, need = uint64(tj), uint64(tj), k // exactly the keys ≥ tj
				break
			}
			if c[j] > k {
				a = uint64(tj)
			} else {
				b, need = uint64(tj), k-c[j]
				break
			}
		}
	}
	if cap(idx) < k {
		idx = make([]int32, k)
	}
	idx = idx[:k]
	emitFloat(idx, vals, uint32(a), need)
	return idx, true
}

// countAtLeast32x4 returns how many of keys, a multiple of 8 long, reach each threshold of t.
func countAtLeast32x4(keys []uint32, t [4]uint32) [4]int {
	p := unsafe.Pointer(unsafe.SliceData(keys))
	t0, t1 := archsimd.BroadcastUint32x4(t[0]), archsimd.BroadcastUint32x4(t[1])
	t2, t3 := archsimd.BroadcastUint32x4(t[2]), archsimd.BroadcastUint32x4(t[3])
	var a0, a1, a2, a3 archsimd.Uint32x4
	for i := 0; i < len(keys); i += 8 {
		x := archsimd.LoadUint32x4Array((*[4]uint32)(unsafe.Add(p, 4*i)))
		y := archsimd.LoadUint32x4Array((*[4]uint32)(unsafe.Add(p, 4*i+16)))
		a0 = a0.Sub(x.GreaterEqual(t0).ToInt32x4().ToBits()).Sub(y.GreaterEqual(t0).ToInt32x4().ToBits())
		a1 = a1.Sub(x.GreaterEqual(t1).ToInt32x4().ToBits()).Sub(y.GreaterEqual(t1).ToInt32x4().ToBits())
		a2 = a2.Sub(x.GreaterEqual(t2).ToInt32x4().ToBits()).Sub(y.GreaterEqual(t2).ToInt32x4().ToBits())
		a3 = a3.Sub(x.GreaterEqual(t3).ToInt32x4().ToBits()).Sub(y.GreaterEqual(t3).ToInt32x4().ToBits())
	}
	return [4]int{laneSum32(a0), laneSum32(a1), laneSum32(a2), laneSum32(a3)}
}

func laneSum32(a archsimd.Uint32x4) int {
	return int((a.GetElem(0) + a.GetElem(1)) + (a.GetElem(2) + a.GetElem(3)))
}

// emitFloat writes to idx, in order, the indices of the keys above v and, of those equal to
// v, the first need. len(keys) is a multiple of 16.
func emitFloat(idx []int32, keys []uint32, v uint32, need int) {
	p := unsafe.Pointer(unsafe.SliceData(keys))
	th := archsimd.BroadcastUint32x4(v)
	weights := archsimd.LoadUint32x4Array(&[4]uint32{1, 2, 4, 8})
	out := 0
	for i := 0; i < len(keys); i += 16 {
		q := unsafe.Add(p, 4*i)
		m0 := archsimd.LoadUint32x4Array((*[4]uint32)(q)).GreaterEqual(th).ToInt32x4().ToBits().And(weights)
		m1 := archsimd.LoadUint32x4Array((*[4]uint32)(unsafe.Add(q, 16))).GreaterEqual(th).ToInt32x4().ToBits().And(weights)
		m2 := archsimd.LoadUint32x4Array((*[4]uint32)(unsafe.Add(q, 32))).GreaterEqual(th).ToInt32x4().ToBits().And(weights)
		m3 := archsimd.LoadUint32x4Array((*[4]uint32)(unsafe.Add(q, 48))).GreaterEqual(th).ToInt32x4().ToBits().And(weights)
		x := m0.Or(m1.ShiftAllLeft(4)).Or(m2.ShiftAllLeft(8).Or(m3.ShiftAllLeft(12))).ReshapeToUint64s()
		w := x.GetElem(0) | x.GetElem(1)
		for lanes := (w | w>>32) & 0xffff; lanes != 0; lanes &= lanes - 1 {
			j := i + bits.TrailingZeros64(lanes)
			if keys[j] == v {
				if need == 0 {
					continue
				}
				need--
			}
			idx[out] = int32(j)
			out++
		}
	}
}
