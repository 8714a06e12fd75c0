// Package fastscan holds the kernels behind product-quantized (PQ) retrieval: the 4-bit
// fast-scan and 8-bit ADC scoring loops over a user's event codes, and top-K selection.
//
// # 4-bit fast scan
//
// With 16 centroids per sub-quantizer, one sub-quantizer's lookup table (LUT) is 16 bytes,
// exactly one SIMD128 register, and one i8x16.swizzle looks up 16 events at once. The codes
// are stored in blocks of BlockSize (32) events; see PackCodes4 for the byte layout. Scan4
// accumulates m uint8 LUT entries per event into a uint16; QuantizeLUT turns a float LUT into
// such a uint8 one and says how to map the sums back to scores. ScanMulti4 scores several
// LUTs (candidates) over the same codes and shares the work of decoding each code vector.
//
// Blocks hold 32 events rather than 16 because two 16-event halves then share every LUT
// load: under wazero the 32-event kernel scanned 10,000 events × 16 sub-quantizers in
// ~19.5 µs against ~24.5 µs for 16-event blocks (same loop), and ~14 µs once the 16
// sub-quantizers are unrolled.
//
// # 8-bit ADC
//
// Scan8 is the accuracy fallback: 256 float32 entries per sub-quantizer and one byte per code,
// added in float32 in sub-quantizer order, so it gives exactly the plain loop's sums. Wasm SIMD has no gather, so it is scalar code arranged to keep
// several independent sums in flight.
//
// # Top-K
//
// TopK16 and TopKFloat return the indices of the k largest scores, in event order, without
// sorting: a threshold (the k-th best kept so far) rejects almost every score with one
// compare, and the few that pass collect in a reservoir that is cut back to its k best when
// it fills. For uint16 scores in wasm TopK16 counts instead: the k-th largest of group
// maxima bounds the k-th score from below, SIMD passes collect the few hundred scores above
// that bound, and binary searches on SIMD counts find the exact thresholds, so scalar code
// touches only those scores (10,000 random scan sums, k = 256: ~32 µs under wazero, against
// ~65 µs for the reservoir started from a histogram bound).
//
// Every kernel has a portable Go version; built for wasm with GOEXPERIMENT=simd, Scan4,
// ScanMulti4, TopK16 and QuantizeLUT's row ranges run SIMD128 code instead, whose results the
// tests check to be identical to the portable ones. Built for amd64 with GOEXPERIMENT=simd,
// Scan4 and ScanMulti4 run AVX2 code when the CPU has it (one VPSHUFB looks up a whole
// 32-event block), again checked bit for bit against the portable sums.
package fastscan
