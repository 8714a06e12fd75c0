package main

import (
	"runtime"
	"unsafe"
)

// module is the state of one instance: the buffers lent to the embedder, the outcome of the
// last call and its reply.
type module struct {
	// allocs holds every live alloc buffer by its address, which keeps it reachable for the
	// garbage collector (Go's collector does not move objects, so the address stays valid)
	// and lets exports check the pointers they are given.
	allocs    map[uint32][]byte
	allocated uint64 // Σ cap over allocs, bounded by allocLimit

	lastStatus int32
	lastError  []byte
	reply      []byte
	storeBuf   []byte // backing store of the store_bytes and store_segment replies

	rq requests // the session and the request exports' buffers

	block statusBlock
}

// statusBlock is the outcome of the last fallible call, published where the embedder reads it
// without further calls: five little-endian 32-bit words at the address status_block returns.
type statusBlock struct {
	status             int32
	errorPtr, errorLen uint32
	replyPtr, replyLen uint32
}

// mod is the instance's state; see the package comment for why it is package-level.
var mod = module{allocs: make(map[uint32][]byte), rq: newRequests()}

// addr is the linear-memory address of b's first byte.
func addr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// begin starts a fallible call: the last error describes only the most recent call.
func (m *module) begin() {
	m.lastStatus = statusOK
	m.lastError = m.lastError[:0]
}

// beginReply starts a call that produces a reply, which replaces the previous one.
func (m *module) beginReply() {
	m.begin()
	m.reply = nil
}

// fail records status and msg as the last error and returns status.
func (m *module) fail(status int32, msg string) int32 {
	m.lastStatus = status
	m.lastError = append(m.lastError[:0], msg...)
	return status
}

// finish ends a fallible call: it turns a panic into statusInternal, publishes the outcome in
// the status block and yields. It must be deferred directly, for recover to work.
func (m *module) finish(status *int32) {
	if r := recover(); r != nil {
		m.reply = nil
		*status = m.fail(statusInternal, "internal error: "+panicMessage(r))
	}
	m.publish()
	yield()
}

// finishAlloc is finish for alloc, whose failure value is a null pointer.
func (m *module) finishAlloc(ptr *uint32) {
	if r := recover(); r != nil {
		m.fail(statusInternal, "internal error: "+panicMessage(r))
		*ptr = 0
	}
	m.publish()
	yield()
}

// yield lets the Go runtime's background goroutines (the collector's mark workers, the sweeper)
// run. With one thread and no preemption nothing else schedules them: exports run and return
// on one goroutine. Without this, a collection cycle can stall for good under steady
// allocation, and the heap grows until linear memory runs out.
func yield() { runtime.Gosched() }

func (m *module) publish() {
	m.block = statusBlock{
		status:   m.lastStatus,
		errorPtr: addr(m.lastError),
		errorLen: uint32(len(m.lastError)),
		replyPtr: addr(m.reply),
		replyLen: uint32(len(m.reply)),
	}
}

func panicMessage(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	default:
		return "panic with a non-error value"
	}
}

func (m *module) alloc(size uint32) uint32 {
	if size == 0 {
		m.fail(statusBadArgument, "alloc: size 0")
		return 0
	}
	capacity := (uint64(size) + allocAlign - 1) &^ (allocAlign - 1)
	if capacity > allocLimit-m.allocated {
		m.fail(statusOutOfMemory, "alloc: "+utoa(uint64(size))+" bytes would exceed the limit of "+
			utoa(allocLimit)+" live bytes ("+utoa(m.allocated)+" in use)")
		return 0
	}
	// A capacity that is a multiple of allocAlign puts the buffer in a size class (or the
	// tiny allocator's slot) aligned to allocAlign.
	b := make([]byte, size, capacity)
	ptr := addr(b)
	m.allocs[ptr] = b
	m.allocated += capacity
	return ptr
}

func (m *module) free(ptr uint32) int32 {
	if ptr == 0 {
		return statusOK
	}
	b, ok := m.allocs[ptr]
	if !ok {
		return m.fail(statusBadArgument, "free: "+utoa(uint64(ptr))+" is not a live allocation")
	}
	delete(m.allocs, ptr)
	m.allocated -= uint64(cap(b))
	if cap(b) >= gcFreeThreshold {
		// Linear memory never shrinks: collect now, so that the next large buffer reuses
		// this one's memory instead of growing the heap past it.
		runtime.GC()
	}
	return statusOK
}

// input returns the n bytes at ptr, which must lie at the start of a live allocation. A
// zero-length input needs no allocation: ptr is then ignored.
func (m *module) input(call string, ptr, n uint32) ([]byte, int32) {
	if n == 0 {
		return nil, statusOK
	}
	b, ok := m.allocs[ptr]
	if !ok {
		return nil, m.fail(statusBadArgument, call+": ptr "+utoa(uint64(ptr))+" is not a live allocation")
	}
	if int(n) > len(b) {
		return nil, m.fail(statusBadArgument, call+": len "+utoa(uint64(n))+
			" exceeds the allocation of "+utoa(uint64(len(b)))+" bytes")
	}
	return b[:n], statusOK
}
