package fastscan

import (
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

// scan4Portable is Scan4 in plain Go; lengths are already checked.
func scan4Portable(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	blockLen := BlockSize / 2 * m
	for b := 0; b < nblocks; b++ {
		var acc [BlockSize]uint16
		block := packed[b*blockLen : (b+1)*blockLen]
		for p := 0; p < m; p += 2 {
			lo := (*[16]uint8)(lut[16*p:])
			hi := (*[16]uint8)(lut[16*p+16:])
			codes := (*[BlockSize]byte)(block[p*BlockSize/2:])
			for i, c := range codes {
				acc[i] += uint16(lo[c&15]) + uint16(hi[c>>4])
			}
		}
		copy(out[b*BlockSize:], acc[:])
	}
}

func scanMulti4Portable(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	n := nblocks * BlockSize
	for c := 0; c < len(luts)/(16*m); c++ {
		scan4Portable(luts[16*m*c:16*m*(c+1)], packed, nblocks, m, out[n*c:n*(c+1)])
	}
}
