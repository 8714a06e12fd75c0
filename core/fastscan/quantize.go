package fastscan

import (
	"errors"
	"strconv"
)

// QuantizeLUT maps a float LUT of m rows × 16 entries (row c: sub-quantizer c's score for each
// of its 16 centroids) to uint8 entries in dst[:16m] for Scan4.
//
// All rows share one scale, so that uint8 entries of different rows add up on one scale:
// scale = max_c(max_k lut[c][k] − min_k lut[c][k]) / 255, and
// dst[c][k] = round((lut[c][k] − min_k lut[c][k]) / scale). The per-row minima add up to
// bias = Σ_c min_k lut[c][k]. A Scan4 sum q for an event then maps back to
//
//	score ≈ bias + scale·q,
//
// within m·scale/2 of the exact float sum Σ_c lut[c][code_c] (each entry rounds by at most
// scale/2). The order of scores is what top-K needs, so the scan's uint16 sums can be ranked
// directly and only the retrieved ones converted. A LUT whose rows are all constant gives
// scale 0 and all-zero entries: every event then scores exactly bias.
func QuantizeLUT(dst []uint8, lut []float32, m int) (scale, bias float32, err error) {
	if m < 1 {
		return 0, 0, errors.New("fastscan: LUT needs at least one row, got m=" + strconv.Itoa(m))
	}
	if len(lut) < 16*m {
		return 0, 0, shortErr("float LUT", len(lut), 16*m)
	}
	if len(dst) < 16*m {
		return 0, 0, shortErr("quantized LUT", len(dst), 16*m)
	}
	// The rows' minima, kept for the second pass up to Scan4's row count rather than taken
	// again: a row's range costs about as much as quantizing it.
	var lows [MaxSubquantizers4]float32
	var widest, sumMin float64
	for c := 0; c < m; c++ {
		lo, hi, ok := rowRange((*[16]float32)(lut[16*c:]))
		if !ok {
			return 0, 0, errors.New("fastscan: LUT row " + strconv.Itoa(c) + " holds a non-finite value")
		}
		if w := float64(hi) - float64(lo); w > widest {
			widest = w
		}
		sumMin += float64(lo)
		if c < len(lows) {
			lows[c] = lo
		}
	}
	if widest == 0 {
		clear(dst[:16*m])
		return 0, float32(sumMin), nil
	}
	inv := 255 / widest
	for c := 0; c < m; c++ {
		row := (*[16]float32)(lut[16*c:])
		var lo float32
		if c < len(lows) {
			lo = lows[c]
		} else {
			lo, _, _ = rowRange(row)
		}
		quantizeRow((*[16]uint8)(dst[16*c:]), row, float64(lo), inv)
	}
	return float32(widest / 255), float32(sumMin), nil
}

// quantizeRow writes round((row[k] − lo)·inv) to out[k], four entries per loop turn:
// back-edges are dear in Go's wasm code.
func quantizeRow(out *[16]uint8, row *[16]float32, lo, inv float64) {
	for k := 0; k < 16; k += 4 {
		out[k], out[k+1] = quantize(row[k], lo, inv), quantize(row[k+1], lo, inv)
		out[k+2], out[k+3] = quantize(row[k+2], lo, inv), quantize(row[k+3], lo, inv)
	}
}

// quantize returns round((v − lo)·inv). Entries are ≥ lo, so adding ½ and truncating rounds
// to nearest; the widest row's maximum lands on 255 up to float64 rounding, hence the clamp,
// on the integer: a float compare is a branch in Go's wasm code, an integer min a select.
func quantize(v float32, lo, inv float64) uint8 {
	return uint8(min(int64((float64(v)-lo)*inv+0.5), 255))
}

// rowRangePortable returns the smallest and largest entry of a LUT row, and false if any
// entry is NaN or infinite. It compares instead of calling min and max, which Go's wasm port
// does not inline for floats. Of equal entries +0 and −0 it keeps the first; QuantizeLUT's
// results do not depend on which.
func rowRangePortable(row *[16]float32) (lo, hi float32, ok bool) {
	lo, hi = row[0], row[0]
	for _, v := range row {
		if v != v || v-v != 0 {
			return 0, 0, false
		}
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi, true
}
