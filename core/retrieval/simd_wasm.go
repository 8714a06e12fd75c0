//go:build goexperiment.simd && wasm

package retrieval

import (
	"simd/archsimd"
	"unsafe"
)

// dotInt8 is q·(scale·v), SIMD128 for widths that are multiples of 16.
func dotInt8(q []float32, v []int8, scale float32) float32 {
	if len(q)%16 != 0 {
		return dotInt8Portable(q, v, scale)
	}
	return dotInt8SIMD(q, v, scale)
}

// dotInt8SIMD widens 16 int8 values at a time to float32 lanes and accumulates their products
// with q in one Float32x4, lane l summing the indices i ≡ l (mod 4) in order, as
// dotInt8Portable does; the results are bit-identical. len(q) is a multiple of 16. Memory is
// read through pointers: in Go's wasm code every slice index costs a bounds check.
func dotInt8SIMD(q []float32, v []int8, scale float32) float32 {
	v = v[:len(q)]
	pq := unsafe.Pointer(unsafe.SliceData(q))
	pv := unsafe.Pointer(unsafe.SliceData(v))
	var acc archsimd.Float32x4
	for i := 0; i < len(q); i += 16 {
		x := archsimd.LoadInt8x16Array((*[16]int8)(unsafe.Add(pv, i)))
		lo, hi := x.ExtendLo8ToInt16(), x.ExtendHi8ToInt16()
		qp := unsafe.Add(pq, 4*i)
		acc = acc.Add(loadF32(qp).Mul(lo.ExtendLo4ToInt32().ConvertToFloat32()))
		acc = acc.Add(loadF32(unsafe.Add(qp, 16)).Mul(lo.ExtendHi4ToInt32().ConvertToFloat32()))
		acc = acc.Add(loadF32(unsafe.Add(qp, 32)).Mul(hi.ExtendLo4ToInt32().ConvertToFloat32()))
		acc = acc.Add(loadF32(unsafe.Add(qp, 48)).Mul(hi.ExtendHi4ToInt32().ConvertToFloat32()))
	}
	return ((acc.GetElem(0) + acc.GetElem(1)) + (acc.GetElem(2) + acc.GetElem(3))) * scale
}

func loadF32(p unsafe.Pointer) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(p))
}
