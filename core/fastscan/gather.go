package fastscan

import (
	"errors"
	"strconv"
	"unsafe"
)

// GatherADC4 adds to out[i] the float ADC score of event events[i] under a float LUT of m rows
// × 16 entries, its codes read from n events packed by PackCodes4:
//
//	out[i] += Σ_c lut[16c + code_c(events[i])],
//
// the entries added in float32 in the order c = 0, 1, …, m−1 before the sum joins out[i]. It
// re-scores a shortlist exactly over the codes, in one call rather than one per event. Indices
// must lie in [0, n).
func GatherADC4(out, lut []float32, packed []byte, n, m int, events []int32) error {
	if err := checkM4(m); err != nil {
		return err
	}
	if len(lut) < 16*m {
		return shortErr("LUT", len(lut), 16*m)
	}
	if err := checkGather(out, events, n, len(packed), PackedLen4(n, m)); err != nil {
		return err
	}
	gatherADC4(out, lut[:16*m], packed, m, events)
	return nil
}

// GatherADC8 is GatherADC4 for one-byte codes, row-major n × m (Scan8's layout), under a LUT of
// m rows × 256 entries.
func GatherADC8(out, lut []float32, codes []byte, n, m int, events []int32) error {
	if m < 1 {
		return errors.New("fastscan: 8-bit codes need at least one sub-quantizer, got m=" + strconv.Itoa(m))
	}
	if len(lut) < 256*m {
		return shortErr("LUT", len(lut), 256*m)
	}
	if err := checkGather(out, events, n, len(codes), n*m); err != nil {
		return err
	}
	gatherADC8(out, lut[:256*m], codes, m, events)
	return nil
}

func checkGather(out []float32, events []int32, n, codeLen, wantLen int) error {
	if n < 0 {
		return errors.New("fastscan: negative event count " + strconv.Itoa(n))
	}
	if codeLen < wantLen {
		return shortErr("codes", codeLen, wantLen)
	}
	if len(out) < len(events) {
		return shortErr("output", len(out), len(events))
	}
	for _, j := range events {
		if j < 0 || int(j) >= n {
			return errors.New("fastscan: event " + strconv.Itoa(int(j)) + " outside " + strconv.Itoa(n) + " events")
		}
	}
	return nil
}

// gatherADC4 reaches the LUT rows and an event's code bytes through pointers: in Go's wasm code
// every slice index costs a bounds check. A nibble indexes a [16]float32 row, which needs none.
func gatherADC4(out, lut []float32, packed []byte, m int, events []int32) {
	rows := unsafe.Pointer(unsafe.SliceData(lut))
	base := unsafe.Pointer(unsafe.SliceData(packed))
	blockLen := BlockSize / 2 * m
	for i, j := range events {
		p := unsafe.Add(base, int(j)/BlockSize*blockLen+int(j)%BlockSize)
		r := rows
		var s float32
		for c := 0; c < m; c += 2 {
			b := *(*byte)(p)
			s += (*[16]float32)(r)[b&15]
			s += (*[16]float32)(unsafe.Add(r, 64))[b>>4]
			p = unsafe.Add(p, BlockSize)
			r = unsafe.Add(r, 128)
		}
		out[i] += s
	}
}

// gatherADC8 reads four code bytes per load, as scan8 does.
func gatherADC8(out, lut []float32, codes []byte, m int, events []int32) {
	rows := unsafe.Pointer(unsafe.SliceData(lut))
	base := unsafe.Pointer(unsafe.SliceData(codes))
	const rowBytes = 256 * 4
	for i, j := range events {
		p := unsafe.Add(base, int(j)*m)
		r := rows
		var s float32
		c := 0
		for ; c+4 <= m; c += 4 {
			w := word(unsafe.Add(p, c))
			s += (*[256]float32)(r)[uint8(w)]
			s += (*[256]float32)(unsafe.Add(r, rowBytes))[uint8(w>>8)]
			s += (*[256]float32)(unsafe.Add(r, 2*rowBytes))[uint8(w>>16)]
			s += (*[256]float32)(unsafe.Add(r, 3*rowBytes))[uint8(w>>24)]
			r = unsafe.Add(r, 4*rowBytes)
		}
		for ; c < m; c++ {
			s += (*[256]float32)(r)[*(*byte)(unsafe.Add(p, c))]
			r = unsafe.Add(r, rowBytes)
		}
		out[i] += s
	}
}
