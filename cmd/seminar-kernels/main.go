//go:build wasip1

// Command seminar-kernels is a benchmark-only WebAssembly module: it exports the retrieval
// kernels and the GSU variants of package core/retrieval so that `seminar study` can time them
// under wazero in the same run as the reference kernels of ../shared/reference/fastscan_ref.wasm.
// scan4 takes the reference's arguments (lut, codes, nblocks, m, out), each codes array laid
// out by its own kernel's convention.
//
// Build it as a reactor:
//
//	GOOS=wasip1 GOARCH=wasm GOEXPERIMENT=simd go build -buildmode=c-shared -o bin/seminar-kernels.wasm ./cmd/seminar-kernels
//
// Memory is lent with alloc and never freed: the module lives for one benchmark run. Every
// pointer argument must be an address alloc returned.
package main

import (
	"errors"
	"unsafe"

	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// Section8 is the model file section the host puts the 8-bit codec in.
const section8 = retrieval.Section + "8"

// state is what load sets up; the host calls from one thread.
type state struct {
	buffers map[uint32][]byte // every alloc by its address, kept reachable
	history *model.History
	store4  *retrieval.Store
	store8  *retrieval.Store
	ranker4 *retrieval.Ranker
	ranker8 *retrieval.Ranker
	err     []byte
}

var st = state{buffers: make(map[uint32][]byte)}

func main() {}

// buffer returns the alloc buffer at address p, or nil.
func buffer(p uint32) []byte { return st.buffers[p] }

// views returns the buffer at p as a slice of T.
func view[T any](p uint32) []T {
	b := buffer(p)
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}

// alloc returns the address of a new zeroed buffer of size bytes, 8-byte aligned.
//
//go:wasmexport alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		return 0
	}
	words := make([]uint64, (size+7)/8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), size)
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	st.buffers[p] = b
	return p
}

// scan4 is fastscan.Scan4 over buffers from alloc: the reference's arguments, the project's
// code layout (fastscan.PackCodes4).
//
//go:wasmexport scan4
func scan4(lut, codes, nblocks, m, out uint32) int32 {
	return status(fastscan.Scan4(buffer(lut), buffer(codes), int(nblocks), int(m), view[uint16](out)))
}

// scan_multi4 is fastscan.ScanMulti4 over nluts tables at luts.
//
//go:wasmexport scan_multi4
func scanMulti4(luts, nluts, codes, nblocks, m, out uint32) int32 {
	tables := buffer(luts)
	if uint64(len(tables)) < uint64(nluts)*16*uint64(m) {
		return status(errShort)
	}
	return status(fastscan.ScanMulti4(tables[:nluts*16*m], buffer(codes), int(nblocks), int(m), view[uint16](out)))
}

var errShort = errors.New("seminar-kernels: buffer too short")

// load reads a model file whose extras hold a 4-bit codec (retrieval.Section) and an 8-bit one
// (section8), the two stores' binary forms (the 4-bit one with the int8 copy) and the history's
// float32 event vectors.
//
//go:wasmexport load
func load(mp, ml, s4p, s4l, s8p, s8l, hp, hl uint32) int32 {
	m, extras, err := modelfile.Load(prefix(mp, ml))
	if err != nil {
		return status(err)
	}
	c4, err := retrieval.LoadCodec(m, extras[retrieval.Section])
	if err != nil {
		return status(err)
	}
	c8, err := retrieval.LoadCodec(m, extras[section8])
	if err != nil {
		return status(err)
	}
	st.store4 = retrieval.NewStore(c4, retrieval.StoreOptions{Int8: true})
	if err := st.store4.UnmarshalBinary(prefix(s4p, s4l)); err != nil {
		return status(err)
	}
	st.store8 = retrieval.NewStore(c8, retrieval.StoreOptions{})
	if err := st.store8.UnmarshalBinary(prefix(s8p, s8l)); err != nil {
		return status(err)
	}
	vecs := view[float32](hp)
	if uint64(len(vecs)) < uint64(hl/4) {
		return status(errShort)
	}
	if st.history, err = model.WrapHistory(m.Dim(), vecs[:hl/4]); err != nil {
		return status(err)
	}
	st.ranker4, st.ranker8 = retrieval.NewRanker(c4), retrieval.NewRanker(c8)
	return 0
}

// gsu runs one retrieval for the target vector at target (d float32): exact over the history
// when exact is 1, else over the store of the given bits; heads 1 is per head; refine 1 re-scores
// the shortlist from the int8 copy. It returns the number of events kept, or -1.
//
//go:wasmexport gsu
func gsu(target, exact, bits, heads, k, shortlist, refine uint32) int32 {
	if st.history == nil {
		return -1
	}
	t := view[float32](target)
	if len(t) < st.history.Dim() {
		return status(errShort)
	}
	t = t[:st.history.Dim()]
	opt := retrieval.Options{K: int(k), Shortlist: int(shortlist), Heads: retrieval.Heads(heads), Refine: retrieval.Vectors(refine)}
	var kept []int32
	var err error
	switch {
	case exact == 1:
		kept, err = st.ranker4.RetrieveExact(st.history, t, opt)
	case bits == 8:
		kept, err = st.ranker8.Retrieve(st.store8, t, opt)
	default:
		kept, err = st.ranker4.Retrieve(st.store4, t, opt)
	}
	if err != nil {
		return status(err)
	}
	return int32(len(kept))
}

// error_message returns the address of the last error message, whose length error_length
// returns.
//
//go:wasmexport error_message
func errorMessage() uint32 {
	if len(st.err) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(st.err))))
}

//go:wasmexport error_length
func errorLength() uint32 { return uint32(len(st.err)) }

// prefix returns the first n bytes of the buffer at p, or nil if it is shorter.
func prefix(p, n uint32) []byte {
	b := buffer(p)
	if uint64(len(b)) < uint64(n) {
		return nil
	}
	return b[:n]
}

func status(err error) int32 {
	if err == nil {
		return 0
	}
	st.err = append(st.err[:0], err.Error()...)
	return -1
}
