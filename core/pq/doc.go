// Package pq holds the product quantizers behind SEMINAR's approximate retrieval: k-means, the
// per-part codebooks that compress an event's embedding to a few bytes, encoding and decoding,
// inner-product lookup tables, and the codebooks' binary form.
//
// An event's vector is a sum of parts, s = Σ_p u_p (query, id, text, attributes, dense), each a
// d-vector. Every part has its own Codebook: the d dimensions are cut into M contiguous
// sub-spaces of d/M dimensions, and each sub-space has K = 16 (4-bit) or K = 256 (8-bit)
// centroids. An event is stored as one code (a centroid index, one byte) per part and sub-space.
//
// Scores against a query vector a come from lookup tables instead of the vectors:
// a·s ≈ Σ_p w_p Σ_c LUT_p[c][code_{p,c}] with LUT_p[c][k] = a_c·C_p[c][k], where a_c is the c-th
// sub-space slice of a. MultiCodebook.BuildLUT documents the exact table layout the scan kernels
// consume; packing 4-bit codes into their blocked nibble layout is the scan kernels' business.
//
// Building lookup tables and decoding sit on the rank path: built for wasm with
// GOEXPERIMENT=simd they run SIMD128 kernels (four centroids' entries, or four decoded values,
// per vector), which do the portable kernels' float32 operations in the same order, so both
// give the same bits.
//
// The package works on plain float32 slices and has no knowledge of the model that produces the
// parts.
package pq
