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
//     pass over all blocks per chunk (the 8-pair kernel alone takes 14 µs where a loop over
//     pairs took 18 µs). Passes after the first add to the sums already in out.
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
		ps.ip, ps.istride = ps.op, 64
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
	lp, cp, op, ip := ps.lp, ps.cp, ps.op, ps.ip
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
		cp, op, ip = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(ip, ps.istride)
	}
}

func scanPairs4(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip := ps.lp, ps.cp, ps.op, ps.ip
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
		cp, op, ip = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(ip, ps.istride)
	}
}

func scanPairs2(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip := ps.lp, ps.cp, ps.op, ps.ip
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		a0, a1, b0, b1 = pair(unsafe.Add(lp, 32), unsafe.Add(cp, 32), low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(ip, ps.istride)
	}
}

func scanPairs1(ps pass) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, cp, op, ip := ps.lp, ps.cp, ps.op, ps.ip
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		a0, a1, b0, b1 = pair(lp, cp, low, a0, a1, b0, b1)
		storeU16(op, a0)
		storeU16(unsafe.Add(op, 16), a1)
		storeU16(unsafe.Add(op, 32), b0)
		storeU16(unsafe.Add(op, 48), b1)
		cp, op, ip = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(ip, ps.istride)
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
			ps.ip, ps.iq, ps.istride = ps.op, ps.oq, 64
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
		cp, op, oq = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, ps.istride), unsafe.Add(iq, ps.istride)
	}
}

func scanTwoPairs4(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
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
		cp, op, oq = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, ps.istride), unsafe.Add(iq, ps.istride)
	}
}

func scanTwoPairs2(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
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
		cp, op, oq = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, ps.istride), unsafe.Add(iq, ps.istride)
	}
}

func scanTwoPairs1(ps passTwo) {
	low := archsimd.BroadcastUint8x16(0x0f)
	lp, lq, cp, op, oq, ip, iq := ps.lp, ps.lq, ps.cp, ps.op, ps.oq, ps.ip, ps.iq
	for range ps.nblocks {
		a0, a1, b0, b1 := loadU16(ip), loadU16(unsafe.Add(ip, 16)), loadU16(unsafe.Add(ip, 32)), loadU16(unsafe.Add(ip, 48))
		c0, c1, d0, d1 := loadU16(iq), loadU16(unsafe.Add(iq, 16)), loadU16(unsafe.Add(iq, 32)), loadU16(unsafe.Add(iq, 48))
		var x0, x1, y0, y1 archsimd.Int8x16
		x0, x1, y0, y1 = decode(cp, low)
		a0, a1, b0, b1 = lookupBlock(lp, x0, x1, y0, y1, a0, a1, b0, b1)
		c0, c1, d0, d1 = lookupBlock(lq, x0, x1, y0, y1, c0, c1, d0, d1)
		storeTwo(op, oq, a0, a1, b0, b1, c0, c1, d0, d1)
		cp, op, oq = unsafe.Add(cp, ps.stride), unsafe.Add(op, 64), unsafe.Add(oq, 64)
		ip, iq = unsafe.Add(ip, ps.istride), unsafe.Add(iq, ps.istride)
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

// maxGroups bounds the number of score groups select16SIMD forms; groups grow beyond 32
// scores so that there are at most this many.
const maxGroups = 1024

// select16SIMD is select16Portable with a head start: the k-th largest group maximum is a
// threshold that at least k scores reach, so groups whose maximum falls below it are skipped
// and only the others are read again. Scores still enter the reservoir in index order and
// against the current threshold, so the result is the portable one.
func select16SIMD(s *selection, scores []uint16) {
	n := len(scores)
	groupLen := 32 * ((n + 32*maxGroups - 1) / (32 * maxGroups))
	groups := (n + groupLen - 1) / groupLen
	if groups <= s.k {
		select16Portable(s, scores)
		return
	}
	var gmax [maxGroups]uint16
	rot8, rot4, rot2 := rotations()
	p := unsafe.Pointer(unsafe.SliceData(scores))
	for g := range groups {
		start, end := g*groupLen, min(n, (g+1)*groupLen)
		var top uint16
		i := start
		if end-start >= 32 {
			var v archsimd.Uint16x8
			for ; i+32 <= end; i += 32 {
				q := unsafe.Add(p, 2*i)
				v = v.Max(loadU16(q).Max(loadU16(unsafe.Add(q, 16)))).Max(loadU16(unsafe.Add(q, 32)).Max(loadU16(unsafe.Add(q, 48))))
			}
			top = horizontalMax(v, rot8, rot4, rot2)
		}
		for ; i < end; i++ {
			top = max(top, scores[i])
		}
		gmax[g] = top
	}
	// The reservoir is still empty: rank the group maxima in it to find the k-th largest.
	for g := range groups {
		s.buf[g] = candidate(key16(gmax[g]), g)
	}
	s.n = groups
	s.compact()
	s.th-- // admit scores equal to the k-th group maximum
	s.n = 0
	for g := range groups {
		if key16(gmax[g]) <= s.th {
			continue
		}
		start, end := g*groupLen, min(n, (g+1)*groupLen)
		i := start
		for ; i+32 <= end; i += 32 {
			// key16(v) > th ⟺ v ≥ th. At th = 65536 (k scores of 65535 kept) the broadcast
			// wraps to 0 and admits every lane, which pushLanes then rejects.
			th := archsimd.BroadcastUint16x8(uint16(s.th))
			q := unsafe.Add(p, 2*i)
			pushLanes(s, scores, i, loadU16(q).GreaterEqual(th))
			pushLanes(s, scores, i+8, loadU16(unsafe.Add(q, 16)).GreaterEqual(th))
			pushLanes(s, scores, i+16, loadU16(unsafe.Add(q, 32)).GreaterEqual(th))
			pushLanes(s, scores, i+24, loadU16(unsafe.Add(q, 48)).GreaterEqual(th))
		}
		for ; i < end; i++ {
			if key := key16(scores[i]); key > s.th {
				s.push(key, i)
			}
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

// horizontalMax returns the largest of v's eight lanes, folding the vector onto itself.
func horizontalMax(v archsimd.Uint16x8, rot8, rot4, rot2 archsimd.Int8x16) uint16 {
	v = v.Max(rotate(v, rot8))
	v = v.Max(rotate(v, rot4))
	return v.Max(rotate(v, rot2)).GetElem(0)
}

func rotate(v archsimd.Uint16x8, by archsimd.Int8x16) archsimd.Uint16x8 {
	return v.ReshapeToUint8s().BitsToInt8().LookupOrZero(by).ToBits().ReshapeToUint16s()
}

// pushLanes pushes scores[base+l] for each lane l set in mask whose key still beats the
// threshold, in lane order.
func pushLanes(s *selection, scores []uint16, base int, mask archsimd.Mask16x8) {
	w := mask.ToInt16x8().ToBits().ReshapeToUint64s()
	for half, set := range [2]uint64{w.GetElem(0), w.GetElem(1)} {
		for set != 0 {
			lane := bits.TrailingZeros64(set) / 16
			set &^= 0xffff << (16 * lane)
			j := base + 4*half + lane
			if key := key16(scores[j]); key > s.th {
				s.push(key, j)
			}
		}
	}
}
