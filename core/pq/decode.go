package pq

// addDecoded adds w times the reconstruction of codes to dst; the caller has checked the codes.
// Decoding sits on the rank path: the kernels run one loop over the codes, without a call per
// code.
func (cb *Codebook) addDecoded(dst []float32, codes []byte, w float32) {
	addDecoded(dst[:len(codes)*cb.SubDim()], cb.centroids, codes, cb.SubDim(), cb.K(), w)
}

// addDecodedPortable adds w·C[c][codes[c]] to slice c of dst for every sub-space c, one
// float32 product and one sum per value: dst[i] += float32(w·x). The SIMD kernel does the same
// operations, so both give the same bits.
func addDecodedPortable(dst, centroids []float32, codes []byte, sub, ks int, w float32) {
	if sub == 4 {
		for c, code := range codes {
			row := centroids[(c*ks+int(code))*4:][:4]
			out := dst[c*4:][:4]
			out[0] += float32(w * row[0])
			out[1] += float32(w * row[1])
			out[2] += float32(w * row[2])
			out[3] += float32(w * row[3])
		}
		return
	}
	for c, code := range codes {
		row := centroids[(c*ks+int(code))*sub:][:sub]
		out := dst[c*sub:][:sub]
		for i, x := range row {
			out[i] += float32(w * x)
		}
	}
}
