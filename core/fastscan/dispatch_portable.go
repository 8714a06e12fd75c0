//go:build !(goexperiment.simd && (wasm || amd64))

package fastscan

// SIMD reports whether Scan4, ScanMulti4 and TopK16 run SIMD128 code.
const SIMD = false

func scan4(lut []uint8, packed []byte, nblocks, m int, out []uint16) {
	scan4Portable(lut, packed, nblocks, m, out)
}

func scanMulti4(luts []uint8, packed []byte, nblocks, m int, out []uint16) {
	scanMulti4Portable(luts, packed, nblocks, m, out)
}

// selectFast16 declines: this build has only the portable selection.
func selectFast16(_ []uint16, _ int, idx []int32, _ bool) ([]int32, bool) { return idx, false }

// selectFastFloat declines, as selectFast16 does.
func selectFastFloat(_ []float32, _ int, idx []int32, _ bool) ([]int32, bool) { return idx, false }

func rowRange(row *[16]float32) (lo, hi float32, ok bool) { return rowRangePortable(row) }

func nextAbove16(scores []uint16, i int, th uint32) int { return nextAbove16Portable(scores, i, th) }
