package pq

// buildLUT writes the table of q scaled by w; the caller has checked the lengths.
func (cb *Codebook) buildLUT(dst, q []float32, w float32) {
	buildLUT(dst[:cb.m<<cb.bits], cb.tiles, q[:cb.dim], cb.SubDim(), cb.K(), w)
}

// buildLUTPortable writes the table of q, sub-spaces of sub dimensions and ks centroids, from
// a codebook's tiles (see Codebook), scaled by w. Entry k of sub-space c sums the products in
// the order of the sub-space's dimensions, starting from 0, and is then scaled:
//
//	dst[c·ks+k] = (((0 + q_0·C_0k) + q_1·C_1k) + … + q_{sub−1}·C_{sub−1,k}) · w
//
// with every product and sum rounded to float32 (no fused multiply-add), and the product by w
// skipped when w is 1. The SIMD kernel keeps this order, so both give the same bits.
func buildLUTPortable(dst, tiles, q []float32, sub, ks int, w float32) {
	for t := range len(dst) / 4 { // tile t: entries 4t … 4t+3, of sub-space 4t/ks
		qc := q[4*t/ks*sub:][:sub]
		rows := tiles[4*t*sub:][:4*sub]
		var acc [4]float32
		for j, x := range qc {
			for l := range acc {
				acc[l] += float32(x * rows[4*j+l])
			}
		}
		if w != 1 {
			for l := range acc {
				acc[l] *= w
			}
		}
		copy(dst[4*t:], acc[:])
	}
}
