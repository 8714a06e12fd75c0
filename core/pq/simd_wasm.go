//go:build goexperiment.simd && wasm

package pq

import (
	"simd/archsimd"
	"unsafe"
)

func buildLUT(dst, tiles, q []float32, sub, ks int, w float32) {
	buildLUTSIMD(dst, tiles, q, sub, ks, w)
}

func addDecoded(dst, centroids []float32, codes []byte, sub, ks int, w float32) {
	addDecodedSIMD(dst, centroids, codes, sub, ks, w)
}

func load(p unsafe.Pointer) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(p))
}

func store(p unsafe.Pointer, v archsimd.Float32x4) { v.StoreArray((*[4]float32)(p)) }

// buildLUTSIMD is buildLUTPortable with one vector per tile (four entries), in one call for
// all sub-spaces: under wazero a call per sub-space, per-element bounds checks and address
// arithmetic cost more than the products. A tile's rows are contiguous, so its loads take
// constant offsets from one pointer. Sub-spaces of 2 and 4 dimensions, the default codecs'
// shapes, have their own unrolled loops over four tiles per turn (ks is 16 or 256).
func buildLUTSIMD(dst, tiles, q []float32, sub, ks int, w float32) {
	m := len(dst) / ks
	tiles = tiles[:len(dst)*sub]
	pd := unsafe.Pointer(unsafe.SliceData(dst))
	pt := unsafe.Pointer(unsafe.SliceData(tiles))
	rowBytes := uintptr(ks) * 4 // one table row, one sub-space
	wv, scaled := archsimd.BroadcastFloat32x4(w), w != 1
	for c := range m {
		qc := q[c*sub : (c+1)*sub]
		switch sub {
		case 2:
			lut2(pd, pt, ks, archsimd.BroadcastFloat32x4(qc[0]), archsimd.BroadcastFloat32x4(qc[1]), wv, scaled)
		case 4:
			lut4(pd, pt, ks, [4]archsimd.Float32x4{
				archsimd.BroadcastFloat32x4(qc[0]), archsimd.BroadcastFloat32x4(qc[1]),
				archsimd.BroadcastFloat32x4(qc[2]), archsimd.BroadcastFloat32x4(qc[3]),
			}, wv, scaled)
		default:
			lutAny(pd, pt, ks, qc, wv, scaled)
		}
		pd, pt = unsafe.Add(pd, rowBytes), unsafe.Add(pt, uintptr(sub)*rowBytes)
	}
}

// lut2 writes the ks entries at pd of a sub-space of two dimensions, whose tiles start at pt
// (32 bytes each), the query's components broadcast in b0 and b1.
func lut2(pd, pt unsafe.Pointer, ks int, b0, b1, wv archsimd.Float32x4, scaled bool) {
	var zero archsimd.Float32x4
	for range ks / 16 {
		a0 := zero.Add(b0.Mul(load(pt))).Add(b1.Mul(load(unsafe.Add(pt, 16))))
		a1 := zero.Add(b0.Mul(load(unsafe.Add(pt, 32)))).Add(b1.Mul(load(unsafe.Add(pt, 48))))
		a2 := zero.Add(b0.Mul(load(unsafe.Add(pt, 64)))).Add(b1.Mul(load(unsafe.Add(pt, 80))))
		a3 := zero.Add(b0.Mul(load(unsafe.Add(pt, 96)))).Add(b1.Mul(load(unsafe.Add(pt, 112))))
		if scaled {
			a0, a1, a2, a3 = a0.Mul(wv), a1.Mul(wv), a2.Mul(wv), a3.Mul(wv)
		}
		store(pd, a0)
		store(unsafe.Add(pd, 16), a1)
		store(unsafe.Add(pd, 32), a2)
		store(unsafe.Add(pd, 48), a3)
		pd, pt = unsafe.Add(pd, 64), unsafe.Add(pt, 128)
	}
}

// lut4 is lut2 for a sub-space of four dimensions (tiles of 64 bytes).
func lut4(pd, pt unsafe.Pointer, ks int, b [4]archsimd.Float32x4, wv archsimd.Float32x4, scaled bool) {
	var zero archsimd.Float32x4
	tile := func(p unsafe.Pointer) archsimd.Float32x4 {
		a := zero.Add(b[0].Mul(load(p))).Add(b[1].Mul(load(unsafe.Add(p, 16))))
		a = a.Add(b[2].Mul(load(unsafe.Add(p, 32)))).Add(b[3].Mul(load(unsafe.Add(p, 48))))
		if scaled {
			a = a.Mul(wv)
		}
		return a
	}
	for range ks / 16 {
		store(pd, tile(pt))
		store(unsafe.Add(pd, 16), tile(unsafe.Add(pt, 64)))
		store(unsafe.Add(pd, 32), tile(unsafe.Add(pt, 128)))
		store(unsafe.Add(pd, 48), tile(unsafe.Add(pt, 192)))
		pd, pt = unsafe.Add(pd, 64), unsafe.Add(pt, 256)
	}
}

// lutAny is lut2 for a sub-space of any width, the components of the query in qc.
func lutAny(pd, pt unsafe.Pointer, ks int, qc []float32, wv archsimd.Float32x4, scaled bool) {
	for range ks / 4 {
		var acc archsimd.Float32x4
		for _, x := range qc {
			acc = acc.Add(archsimd.BroadcastFloat32x4(x).Mul(load(pt)))
			pt = unsafe.Add(pt, 16)
		}
		if scaled {
			acc = acc.Mul(wv)
		}
		store(pd, acc)
		pd = unsafe.Add(pd, 16)
	}
}

// addDecodedSIMD is addDecodedPortable with one vector add per four values: a centroid of
// four dimensions is one load, two centroids of two dimensions are two 8-byte loads put
// together. Other widths take the portable loop.
func addDecodedSIMD(dst, centroids []float32, codes []byte, sub, ks int, w float32) {
	if sub != 2 && sub != 4 {
		addDecodedPortable(dst, centroids, codes, sub, ks, w)
		return
	}
	centroids = centroids[:len(codes)*ks*sub]
	pd := unsafe.Pointer(unsafe.SliceData(dst))
	pc := unsafe.Pointer(unsafe.SliceData(centroids))
	wv, scaled := archsimd.BroadcastFloat32x4(w), w != 1 // w·x is x when w is 1
	rowBytes := uintptr(ks*sub) * 4                      // one sub-space's centroids
	if sub == 4 {
		for _, code := range codes {
			v := load(unsafe.Add(pc, uintptr(code)*16))
			if scaled {
				v = v.Mul(wv)
			}
			store(pd, load(pd).Add(v))
			pd, pc = unsafe.Add(pd, 16), unsafe.Add(pc, rowBytes)
		}
		return
	}
	pair := func(pc unsafe.Pointer, c0, c1 byte) archsimd.Float32x4 {
		a := *(*uint64)(unsafe.Add(pc, uintptr(c0)*8))
		b := *(*uint64)(unsafe.Add(pc, rowBytes+uintptr(c1)*8))
		v := archsimd.Uint64x2{}.SetElem(0, a).SetElem(1, b).ReshapeToUint32s().BitsToFloat32()
		if scaled {
			v = v.Mul(wv)
		}
		return v
	}
	c := 0
	for ; c+4 <= len(codes); c += 4 { // four sub-spaces per loop turn
		cs := (*[4]byte)(codes[c:])
		store(pd, load(pd).Add(pair(pc, cs[0], cs[1])))
		store(unsafe.Add(pd, 16), load(unsafe.Add(pd, 16)).Add(pair(unsafe.Add(pc, 2*rowBytes), cs[2], cs[3])))
		pd, pc = unsafe.Add(pd, 32), unsafe.Add(pc, 4*rowBytes)
	}
	for ; c+2 <= len(codes); c += 2 {
		store(pd, load(pd).Add(pair(pc, codes[c], codes[c+1])))
		pd, pc = unsafe.Add(pd, 16), unsafe.Add(pc, 2*rowBytes)
	}
	if c < len(codes) {
		addDecodedPortable(dst[2*c:], centroids[c*ks*2:], codes[c:], sub, ks, w)
	}
}

func decodeFused(dst, coarse []float32, packed []byte, w float32, fineCentroids []float32, fine []byte) {
	decodeFusedSIMD(dst, coarse, packed, w, fineCentroids, fine)
}

// decodeFusedSIMD is decodeFusedPortable with one vector per four values: two coarse centroids
// of two dimensions put together, plus one fine centroid of four, stored once. The lengths are
// checked up front and every code indexes its table (nibbles are below 16, bytes below 256),
// so memory is read through pointers.
func decodeFusedSIMD(dst, coarse []float32, packed []byte, w float32, fineCentroids []float32, fine []byte) {
	const (
		coarseBytes = 2 * 16 * 2 * 4 // the centroids of the two sub-spaces of four values
		fineBytes   = 256 * 4 * 4    // the centroids of one fine sub-space
	)
	n := len(dst) / 4
	packed, coarse = packed[:n], coarse[:n*coarseBytes/4]
	pd := unsafe.Pointer(unsafe.SliceData(dst))
	pc := unsafe.Pointer(unsafe.SliceData(coarse))
	pp := unsafe.Pointer(unsafe.SliceData(packed))
	wv, scaled := archsimd.BroadcastFloat32x4(w), w != 1 // w·x is x when w is 1
	var zero archsimd.Float32x4
	// pair is 0 + w·(the centroids of the codes in byte b), as the unfused path starts from a
	// cleared vector.
	pair := func(pc unsafe.Pointer, b byte) archsimd.Float32x4 {
		lo := *(*uint64)(unsafe.Add(pc, uintptr(b&15)*8))
		hi := *(*uint64)(unsafe.Add(pc, coarseBytes/2+uintptr(b>>4)*8))
		v := archsimd.Uint64x2{}.SetElem(0, lo).SetElem(1, hi).ReshapeToUint32s().BitsToFloat32()
		if scaled {
			v = v.Mul(wv)
		}
		return zero.Add(v)
	}
	if fine == nil {
		for range n {
			store(pd, pair(pc, *(*byte)(pp)))
			pd, pc, pp = unsafe.Add(pd, 16), unsafe.Add(pc, coarseBytes), unsafe.Add(pp, 1)
		}
		return
	}
	fine, fineCentroids = fine[:n], fineCentroids[:n*fineBytes/4]
	pf := unsafe.Pointer(unsafe.SliceData(fine))
	pfc := unsafe.Pointer(unsafe.SliceData(fineCentroids))
	for range n {
		f := load(unsafe.Add(pfc, uintptr(*(*byte)(pf))*16))
		store(pd, pair(pc, *(*byte)(pp)).Add(f))
		pd, pc, pp = unsafe.Add(pd, 16), unsafe.Add(pc, coarseBytes), unsafe.Add(pp, 1)
		pf, pfc = unsafe.Add(pf, 1), unsafe.Add(pfc, fineBytes)
	}
}
