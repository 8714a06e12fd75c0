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

func select16(s *selection, scores []uint16, simd bool) {
	if simd {
		select16SIMD(s, scores)
		return
	}
	select16Portable(s, scores)
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

// maxGroups bounds the number of score groups select16SIMD forms.
const maxGroups = 1024

// select16SIMD is select16Portable with a head start. Scores are split into about 4k groups
// (at most maxGroups) and the group maxima taken SIMD-wide. If k groups reach a value T, so do
// k scores, so T bounds the k-th largest score from below and no score under it can be among
// the k best. T is the k-th largest group maximum, rounded down to a 256-bin histogram of
// their range; with 4k groups about 1.15k scores reach it. One SIMD pass then pushes those
// scores, in index order as in the portable loop, so ties still go to the lower index.
//
// Groups are lanes: a block of 8·L scores is L vectors, and group (block, lane l) holds the
// block's scores l, l+8, l+16, …, so a block's eight maxima take one vector Max per load.
func select16SIMD(s *selection, scores []uint16) {
	n := len(scores)
	maxBlocks := max(1, min(maxGroups, 4*s.k)/8)
	blockLen := 32 * ((n + 32*maxBlocks - 1) / (32 * maxBlocks))
	blocks := (n + blockLen - 1) / blockLen
	groups := 8 * blocks
	if groups <= s.k {
		select16Portable(s, scores)
		return
	}
	var gmax [maxGroups]uint16
	p := unsafe.Pointer(unsafe.SliceData(scores))
	g := unsafe.Pointer(&gmax)
	var gLo, gHi archsimd.Uint16x8 // range of the group maxima, lane-wise
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
		if b == 0 {
			gLo = v
		}
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
	s.n = 0
	s.th = uint32(kthLargest16(gmax[:groups], lo, hi, s.k)) // key16(v) > th ⟺ v ≥ T
	th := archsimd.BroadcastUint16x8(uint16(s.th))
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
		pushLanes(s, scores, i, m0, m1, m2, m3)
		// At th = 65536 (k scores of 65535 kept) this wraps to 0 and admits every lane,
		// which pushLanes then rejects.
		th = archsimd.BroadcastUint16x8(uint16(s.th))
	}
	for ; i < n; i++ {
		if key := key16(scores[i]); key > s.th && s.push(key, i) {
			s.compact()
		}
	}
}

// kthLargest16 returns the k-th largest of vals (0 < k ≤ len(vals)), all within [lo, hi]: a
// 256-bin histogram of [lo, hi] finds the bin that holds it, a second histogram of that bin's
// values (at most 256 of them apart) the value itself.
func kthLargest16(vals []uint16, lo, hi uint16, k int) uint16 {
	shift := max(0, bits.Len16(hi-lo)-8)
	var hist [256]uint16
	for _, v := range vals {
		hist[uint8((v-lo)>>shift)]++
	}
	b, above := 255, 0
	for ; b > 0 && above+int(hist[b]) < k; b-- {
		above += int(hist[b])
	}
	base := lo + uint16(b)<<shift
	if shift == 0 {
		return base
	}
	var fine [256]uint16
	for _, v := range vals {
		if v >= base && v-base < 1<<shift {
			fine[uint8(v-base)]++
		}
	}
	sb := 1<<shift - 1
	for ; sb > 0 && above+int(fine[sb]) < k; sb-- {
		above += int(fine[sb])
	}
	return base + uint16(sb)
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

// pushLanes pushes scores[base+l], for each of the 32 lanes l set in the masks of four
// consecutive vectors, whose key still beats the threshold, in lane order. It runs only for
// the few 32-score runs with a lane above the threshold. Loop back-edges and calls are dear
// in Go's wasm code, so the eight mask words are unrolled and the reservoir is compacted
// before, not during, the run.
func pushLanes(s *selection, scores []uint16, base int, m0, m1, m2, m3 archsimd.Mask16x8) {
	if s.room-s.n < 32 {
		s.compact()
	}
	w0 := m0.ToInt16x8().ToBits().ReshapeToUint64s()
	w1 := m1.ToInt16x8().ToBits().ReshapeToUint64s()
	w2 := m2.ToInt16x8().ToBits().ReshapeToUint64s()
	w3 := m3.ToInt16x8().ToBits().ReshapeToUint64s()
	pushWord(s, scores, base, w0.GetElem(0))
	pushWord(s, scores, base+4, w0.GetElem(1))
	pushWord(s, scores, base+8, w1.GetElem(0))
	pushWord(s, scores, base+12, w1.GetElem(1))
	pushWord(s, scores, base+16, w2.GetElem(0))
	pushWord(s, scores, base+20, w2.GetElem(1))
	pushWord(s, scores, base+24, w3.GetElem(0))
	pushWord(s, scores, base+28, w3.GetElem(1))
	if s.n == s.room {
		s.compact() // as push's callers do: the reservoir is never left full
	}
}

// pushWord pushes scores[base+l] for the lanes l (16 bits each) set in w that beat the
// threshold. The reservoir has room for them.
func pushWord(s *selection, scores []uint16, base int, w uint64) {
	for w != 0 {
		lane := bits.TrailingZeros64(w) / 16
		w &^= 0xffff << (16 * lane)
		if key := key16(scores[base+lane]); key > s.th {
			s.buf[s.n] = candidate(key, base+lane)
			s.n++
		}
	}
}
