//go:build !(goexperiment.simd && wasm)

package pq

func buildLUT(dst, tiles, q []float32, sub, ks int, w float32) {
	buildLUTPortable(dst, tiles, q, sub, ks, w)
}

func addDecoded(dst, centroids []float32, codes []byte, sub, ks int, w float32) {
	addDecodedPortable(dst, centroids, codes, sub, ks, w)
}

func decodeFused(dst, coarse []float32, packed []byte, w float32, fineCentroids []float32, fine []byte) {
	decodeFusedPortable(dst, coarse, packed, w, fineCentroids, fine)
}
