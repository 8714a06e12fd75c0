package fastscan

// impl is one version of the kernels that have a SIMD128 counterpart.
type impl struct {
	name       string
	scan4      func(lut []uint8, packed []byte, nblocks, m int, out []uint16)
	scanMulti4 func(luts []uint8, packed []byte, nblocks, m int, out []uint16)
	simdTopK   bool // topK16's and topKFloat's choice of selection loop
	rowRange   func(row *[16]float32) (lo, hi float32, ok bool)
}

var portableImpl = impl{
	name:       "portable",
	scan4:      scan4Portable,
	scanMulti4: scanMulti4Portable,
	simdTopK:   false,
	rowRange:   rowRangePortable,
}
