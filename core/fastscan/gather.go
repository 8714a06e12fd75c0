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

// gatherADC4 reaches the LUT rows and the events' code bytes through pointers: in Go's wasm
// code every slice index costs a bounds check. A nibble indexes a [16]float32 row, which
// needs none. Four events go together: their sums are independent chains of float adds that
// overlap, and each loop turn (dear in Go's wasm code) serves four lookups per code byte.
func gatherADC4(out, lut []float32, packed []byte, m int, events []int32) {
	rows := unsafe.Pointer(unsafe.SliceData(lut))
	base := unsafe.Pointer(unsafe.SliceData(packed))
	blockLen := BlockSize / 2 * m
	codes := func(j int32) unsafe.Pointer {
		return unsafe.Add(base, int(j)/BlockSize*blockLen+int(j)%BlockSize)
	}
	i := 0
	for ; i+4 <= len(events); i += 4 {
		e := (*[4]int32)(events[i:])
		p0, p1, p2, p3 := codes(e[0]), codes(e[1]), codes(e[2]), codes(e[3])
		r := rows
		var s0, s1, s2, s3 float32
		add := func(r unsafe.Pointer, b0, b1, b2, b3 byte) {
			lo, hi := (*[16]float32)(r), (*[16]float32)(unsafe.Add(r, 64))
			s0 += lo[b0&15]
			s1 += lo[b1&15]
			s2 += lo[b2&15]
			s3 += lo[b3&15]
			s0 += hi[b0>>4]
			s1 += hi[b1>>4]
			s2 += hi[b2>>4]
			s3 += hi[b3>>4]
		}
		c := 0
		for ; c+4 <= m; c += 4 { // two code bytes per event and loop turn
			add(r, *(*byte)(p0), *(*byte)(p1), *(*byte)(p2), *(*byte)(p3))
			q0, q1, q2, q3 := unsafe.Add(p0, BlockSize), unsafe.Add(p1, BlockSize), unsafe.Add(p2, BlockSize), unsafe.Add(p3, BlockSize)
			add(unsafe.Add(r, 128), *(*byte)(q0), *(*byte)(q1), *(*byte)(q2), *(*byte)(q3))
			p0, p1, p2, p3 = unsafe.Add(p0, 2*BlockSize), unsafe.Add(p1, 2*BlockSize), unsafe.Add(p2, 2*BlockSize), unsafe.Add(p3, 2*BlockSize)
			r = unsafe.Add(r, 256)
		}
		if c < m {
			add(r, *(*byte)(p0), *(*byte)(p1), *(*byte)(p2), *(*byte)(p3))
		}
		o := (*[4]float32)(out[i:])
		o[0] += s0
		o[1] += s1
		o[2] += s2
		o[3] += s3
	}
	for ; i < len(events); i++ {
		p := codes(events[i])
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

// gatherADC8 reads four code bytes per load, as scan8 does, for two events at a time (as
// gatherADC4 takes four), once touch has brought the events' codes into cache.
func gatherADC8(out, lut []float32, codes []byte, m int, events []int32) {
	rows := unsafe.Pointer(unsafe.SliceData(lut))
	base := unsafe.Pointer(unsafe.SliceData(codes))
	touch(base, m, events)
	const rowBytes = 256 * 4
	i := 0
	for ; i+2 <= len(events); i += 2 {
		p, q := unsafe.Add(base, int(events[i])*m), unsafe.Add(base, int(events[i+1])*m)
		r := rows
		var s, t float32
		c := 0
		for ; c+4 <= m; c += 4 {
			w, v := word(unsafe.Add(p, c)), word(unsafe.Add(q, c))
			r0, r1 := (*[256]float32)(r), (*[256]float32)(unsafe.Add(r, rowBytes))
			r2, r3 := (*[256]float32)(unsafe.Add(r, 2*rowBytes)), (*[256]float32)(unsafe.Add(r, 3*rowBytes))
			s += r0[uint8(w)]
			t += r0[uint8(v)]
			s += r1[uint8(w>>8)]
			t += r1[uint8(v>>8)]
			s += r2[uint8(w>>16)]
			t += r2[uint8(v>>16)]
			s += r3[uint8(w>>24)]
			t += r3[uint8(v>>24)]
			r = unsafe.Add(r, 4*rowBytes)
		}
		for ; c < m; c++ {
			s += (*[256]float32)(r)[*(*byte)(unsafe.Add(p, c))]
			t += (*[256]float32)(r)[*(*byte)(unsafe.Add(q, c))]
			r = unsafe.Add(r, rowBytes)
		}
		o := (*[2]float32)(out[i:])
		o[0] += s
		o[1] += t
	}
	if i < len(events) {
		p := unsafe.Add(base, int(events[i])*m)
		r := rows
		var s float32
		for c := range m {
			s += (*[256]float32)(r)[*(*byte)(unsafe.Add(p, c))]
			r = unsafe.Add(r, rowBytes)
		}
		out[i] += s
	}
}

// touched keeps the loads of touch from being optimized away.
var touched byte

// touch loads the first code byte of each event in a loop of independent loads, which the CPU
// overlaps. A shortlist's events lie anywhere in a long history, so their codes are mostly out
// of cache; in the gather, every table lookup waits for the code byte it indexes with, and the
// lookups of one event fill the CPU's window, so without touch the misses come one event at a
// time (at 10^5 events, the gather then took as long as the rest of the refine step and the
// top-K together under wazero).
func touch(base unsafe.Pointer, m int, events []int32) {
	var x byte
	for _, j := range events {
		x ^= *(*byte)(unsafe.Add(base, int(j)*m))
	}
	touched = x
}
