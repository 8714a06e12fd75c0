package fastscan

import (
	"errors"
	"strconv"
)

const (
	// BlockSize is the number of events whose 4-bit codes are interleaved in one block.
	BlockSize = 32
	// MaxSubquantizers4 is the largest m Scan4 accepts: m·255 must fit in a uint16 sum.
	MaxSubquantizers4 = 256
)

// Blocks returns the number of blocks that hold n events.
func Blocks(n int) int { return (n + BlockSize - 1) / BlockSize }

// PackedLen4 returns the length in bytes of n events' packed 4-bit codes with m
// sub-quantizers: Blocks(n) blocks of BlockSize·m/2 bytes.
func PackedLen4(n, m int) int { return Blocks(n) * BlockSize / 2 * m }

// checkM4 reports whether m is a sub-quantizer count the 4-bit layout supports.
func checkM4(m int) error {
	if m < 2 || m > MaxSubquantizers4 || m%2 != 0 {
		return errors.New("fastscan: 4-bit codes need an even number of sub-quantizers in [2, " +
			strconv.Itoa(MaxSubquantizers4) + "], got " + strconv.Itoa(m))
	}
	return nil
}

// shortErr is the error of a slice too short. It stays out of line: the wasm module pays for
// every inlined copy of its string building.
//
//go:noinline
func shortErr(what string, got, want int) error {
	return errors.New("fastscan: " + what + " has length " + strconv.Itoa(got) + ", need " + strconv.Itoa(want))
}

// PackCodes4 lays out n events' 4-bit codes for Scan4. codes is row-major, n rows of m
// values below 16; dst must hold PackedLen4(n, m) bytes.
//
// Block b holds events 32b … 32b+31. Within it, sub-quantizer pair p (sub-quantizers 2p and
// 2p+1) takes 32 bytes at offset 32p: byte i is event 32b+i, its low nibble the code of
// sub-quantizer 2p and its high nibble that of 2p+1. One 16-byte load thus gives 16 events'
// codes for two sub-quantizers. Events past n in the last block get code 0.
func PackCodes4(dst, codes []byte, n, m int) error {
	if err := checkM4(m); err != nil {
		return err
	}
	if n < 0 {
		return errors.New("fastscan: negative event count " + strconv.Itoa(n))
	}
	if len(codes) < n*m {
		return shortErr("codes", len(codes), n*m)
	}
	if len(dst) < PackedLen4(n, m) {
		return shortErr("packed codes", len(dst), PackedLen4(n, m))
	}
	dst = dst[:PackedLen4(n, m)]
	clear(dst)
	blockLen := BlockSize / 2 * m
	for e := 0; e < n; e++ {
		row := codes[e*m : e*m+m]
		block := dst[e/BlockSize*blockLen:][:blockLen]
		lane := e % BlockSize
		for p := 0; p < m; p += 2 {
			lo, hi := row[p], row[p+1]
			if lo > 15 || hi > 15 {
				return errors.New("fastscan: event " + strconv.Itoa(e) + " has a code above 15")
			}
			block[p*BlockSize/2+lane] = lo | hi<<4
		}
	}
	return nil
}

// UnpackCodes4 writes the m codes of one event from codes packed by PackCodes4 into dst[:m].
func UnpackCodes4(dst, packed []byte, m, event int) error {
	if err := checkM4(m); err != nil {
		return err
	}
	if event < 0 {
		return errors.New("fastscan: negative event index " + strconv.Itoa(event))
	}
	if len(dst) < m {
		return shortErr("destination", len(dst), m)
	}
	blockLen := BlockSize / 2 * m
	start := event / BlockSize * blockLen
	if len(packed) < start+blockLen {
		return shortErr("packed codes", len(packed), start+blockLen)
	}
	block := packed[start : start+blockLen]
	lane := event % BlockSize
	for p := 0; p < m; p += 2 {
		b := block[p*BlockSize/2+lane]
		dst[p], dst[p+1] = b&15, b>>4
	}
	return nil
}
