package fastscan

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Scan4 scores nblocks blocks of events packed by PackCodes4 with m sub-quantizers against
// one quantized LUT (m rows × 16 uint8 entries, see QuantizeLUT):
//
//	out[j] = Σ_c lut[16c + code_c(j)]   for j < nblocks·BlockSize.
//
// The sums are exact: m ≤ MaxSubquantizers4 keeps them within uint16, so nothing saturates
// or wraps. Events in the padding of the last block score like events whose codes are all 0;
// callers rank out[:n] only. out must hold nblocks·BlockSize values.
func Scan4(lut []uint8, packed []byte, nblocks, m int, out []uint16) error {
	if err := checkScan4(packed, nblocks, m); err != nil {
		return err
	}
	if len(lut) < 16*m {
		return shortErr("LUT", len(lut), 16*m)
	}
	if len(out) < nblocks*BlockSize {
		return shortErr("output", len(out), nblocks*BlockSize)
	}
	scan4(lut[:16*m], packed[:nblocks*BlockSize/2*m], nblocks, m, out[:nblocks*BlockSize])
	return nil
}

// ScanMulti4 is Scan4 for several LUTs over the same codes, typically one per candidate:
// luts holds C = len(luts)/(16m) LUTs back to back, and out receives C rows of
// nblocks·BlockSize sums, row i for luts[16m·i:]. Decoding a code vector once for two LUTs
// makes each lookup cheaper than in C separate Scan4 calls.
func ScanMulti4(luts []uint8, packed []byte, nblocks, m int, out []uint16) error {
	if err := checkScan4(packed, nblocks, m); err != nil {
		return err
	}
	if len(luts)%(16*m) != 0 {
		return errors.New("fastscan: LUTs length " + strconv.Itoa(len(luts)) + " is not a multiple of 16·m = " + strconv.Itoa(16*m))
	}
	c := len(luts) / (16 * m)
	if len(out) < c*nblocks*BlockSize {
		return shortErr("output", len(out), c*nblocks*BlockSize)
	}
	scanMulti4(luts, packed[:nblocks*BlockSize/2*m], nblocks, m, out[:c*nblocks*BlockSize])
	return nil
}

func checkScan4(packed []byte, nblocks, m int) error {
	if err := checkM4(m); err != nil {
		return err
	}
	if nblocks < 0 {
		return errors.New("fastscan: negative block count " + strconv.Itoa(nblocks))
	}
	if len(packed) < nblocks*BlockSize/2*m {
		return shortErr("packed codes", len(packed), nblocks*BlockSize/2*m)
	}
	return nil
}

// scan4Portable is Scan4 in plain Go; lengths are already checked. It keeps the sums of four
// events in one uint64, 16 bits each (they never carry: m·255 < 2¹⁶), so a block's 32 sums
// stay in eight variables and each sub-quantizer pair is one straight run of 64 lookups.
func scan4Portable(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	blockLen := BlockSize / 2 * m
	for b := 0; b < nblocks; b++ {
		block := packed[b*blockLen : (b+1)*blockLen]
		var a0, a1, a2, a3, a4, a5, a6, a7 uint64
		for p := 0; p < m; p += 2 {
			lo, hi := (*[16]uint8)(lut[16*p:]), (*[16]uint8)(lut[16*p+16:])
			codes := (*[BlockSize]byte)(block[p*BlockSize/2:])
			w0 := binary.LittleEndian.Uint64(codes[0:8])
			w1 := binary.LittleEndian.Uint64(codes[8:16])
			w2 := binary.LittleEndian.Uint64(codes[16:24])
			w3 := binary.LittleEndian.Uint64(codes[24:32])
			a0 += lookup4(lo, hi, uint32(w0))
			a1 += lookup4(lo, hi, uint32(w0>>32))
			a2 += lookup4(lo, hi, uint32(w1))
			a3 += lookup4(lo, hi, uint32(w1>>32))
			a4 += lookup4(lo, hi, uint32(w2))
			a5 += lookup4(lo, hi, uint32(w2>>32))
			a6 += lookup4(lo, hi, uint32(w3))
			a7 += lookup4(lo, hi, uint32(w3>>32))
		}
		dst := (*[BlockSize]uint16)(out[b*BlockSize:])
		for j, a := range [8]uint64{a0, a1, a2, a3, a4, a5, a6, a7} {
			dst[4*j], dst[4*j+1], dst[4*j+2], dst[4*j+3] = uint16(a), uint16(a>>16), uint16(a>>32), uint16(a>>48)
		}
	}
}

// lookup4 returns the pair's LUT entries for the four events whose code bytes are w (first
// event in the low byte), summed per event into four 16-bit fields.
func lookup4(lo, hi *[16]uint8, w uint32) uint64 {
	return uint64(uint16(lo[w&15])+uint16(hi[w>>4&15])) |
		uint64(uint16(lo[w>>8&15])+uint16(hi[w>>12&15]))<<16 |
		uint64(uint16(lo[w>>16&15])+uint16(hi[w>>20&15]))<<32 |
		uint64(uint16(lo[w>>24&15])+uint16(hi[w>>28]))<<48
}

func scanMulti4Portable(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	n := nblocks * BlockSize
	for c := 0; c < len(luts)/(16*m); c++ {
		scan4Portable(luts[16*m*c:16*m*(c+1)], packed, nblocks, m, out[n*c:n*(c+1)])
	}
}
