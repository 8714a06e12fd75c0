//go:build !(goexperiment.simd && wasm)

package fastscan

// SIMD reports whether Scan4, ScanMulti4 and TopK16 run SIMD128 code.
const SIMD = false

func scan4(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	scan4Portable(lut, packed, nblocks, m, out)
}

func scanMulti4(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	scanMulti4Portable(luts, packed, nblocks, m, out)
}

// select16 runs the portable selection loop: this build has no other.
func select16(s *selection, scores []uint16, _ bool) { select16Portable(s, scores) }
