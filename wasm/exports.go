package main

import (
	"unsafe"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/kernels"
)

//go:wasmexport version
func version() uint32 { return abi.Version }

//go:wasmexport features
func features() uint32 {
	var f uint32
	if kernels.SIMD {
		f |= abi.FeatureSIMD128
	}
	return f
}

// statusBlockAddr returns the address of mod.block, fixed for the life of the instance.
//
//go:wasmexport status_block
func statusBlockAddr() uint32 { return uint32(uintptr(unsafe.Pointer(&mod.block))) }

//go:wasmexport alloc
func alloc(size uint32) (ptr uint32) {
	defer mod.finishAlloc(&ptr)
	mod.begin()
	return mod.alloc(size)
}

//go:wasmexport free
func free(ptr uint32) (status int32) {
	defer mod.finish(&status)
	mod.begin()
	return mod.free(ptr)
}

//go:wasmexport load_model
func loadModel(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.loadModel(ptr, n)
}

//go:wasmexport load_events
func loadEvents(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.loadEvents(ptr, n)
}

//go:wasmexport append_events
func appendEvents(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.appendEvents(ptr, n)
}

//go:wasmexport truncate_events
func truncateEvents(n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.truncateEvents(n)
}

//go:wasmexport rank
func rank(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.rank(ptr, n)
}

//go:wasmexport store_bytes
func storeBytes() (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.storeSegment("store_bytes", 0)
}

//go:wasmexport store_segment
func storeSegment(from uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.storeSegment("store_segment", from)
}

//go:wasmexport load_store
func loadStore(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.loadStore(ptr, n)
}

//go:wasmexport append_store
func appendStore(ptr, n uint32) (status int32) {
	defer mod.finish(&status)
	mod.beginReply()
	return mod.appendStore(ptr, n)
}
