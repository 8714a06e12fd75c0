//go:build !(goexperiment.simd && wasm)

package pq

func buildLUT(dst, tiles, q []float32, sub, ks int, w float32) {
	buildLUTPortable(dst, tiles, q, sub, ks, w)
}

func addDecoded(dst, centroids []float32, codes []byte, sub, ks int, w float32) {
	addDecodedPortable(dst, centroids, codes, sub, ks, w)
}
