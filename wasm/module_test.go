package main

import (
	"errors"
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
)

func newModule() *module { return &module{allocs: make(map[uint32][]byte), rq: newRequests()} }

func TestAlloc(t *testing.T) {
	tests := []struct {
		name   string
		sizes  []uint32
		status int32 // of the last alloc
	}{
		{"one byte", []uint32{1}, statusOK},
		{"odd sizes", []uint32{3, 5, 7, 9, 1001}, statusOK},
		{"size 0", []uint32{0}, statusBadArgument},
		{"over the limit", []uint32{allocLimit + 1}, statusOutOfMemory},
		{"largest 32-bit size", []uint32{math.MaxUint32}, statusOutOfMemory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModule()
			var ptr uint32
			for _, size := range tt.sizes {
				m.begin()
				ptr = m.alloc(size)
				if m.lastStatus == statusOK {
					require.NotZero(t, ptr)
					assert.Zero(t, ptr%allocAlign, "alignment of a %d-byte buffer", size)
					assert.Len(t, m.allocs[ptr], int(size))
				}
			}
			assert.Equal(t, tt.status, m.lastStatus)
			if tt.status == statusOK {
				assert.Empty(t, m.lastError)
			} else {
				assert.Zero(t, ptr)
				assert.NotEmpty(t, m.lastError)
			}
		})
	}
}

func TestAllocAccounting(t *testing.T) {
	m := newModule()
	a := m.alloc(5)
	b := m.alloc(16)
	require.NotZero(t, a)
	require.NotZero(t, b)
	assert.Equal(t, uint64(8+16), m.allocated, "sizes are rounded up to the alignment")

	assert.Equal(t, statusOK, m.free(a))
	assert.Equal(t, uint64(16), m.allocated)
	assert.Equal(t, statusBadArgument, m.free(a), "double free")
	assert.Equal(t, statusOK, m.free(0), "free(0) is a no-op")
	assert.Equal(t, statusOK, m.free(b))
	assert.Zero(t, m.allocated)
	assert.Empty(t, m.allocs)
}

func TestInput(t *testing.T) {
	m := newModule()
	ptr := m.alloc(16)
	require.NotZero(t, ptr)
	tests := []struct {
		name   string
		ptr, n uint32
		status int32
		len    int
	}{
		{"whole buffer", ptr, 16, statusOK, 16},
		{"prefix", ptr, 4, statusOK, 4},
		{"empty ignores ptr", 12345, 0, statusOK, 0},
		{"past the end", ptr, 17, statusBadArgument, 0},
		{"interior pointer", ptr + 8, 4, statusBadArgument, 0},
		{"unknown pointer", 8, 4, statusBadArgument, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.begin()
			b, status := m.input("test", tt.ptr, tt.n)
			assert.Equal(t, tt.status, status)
			assert.Len(t, b, tt.len)
			assert.Equal(t, status != statusOK, len(m.lastError) > 0)
		})
	}
}

func TestFinishRecovers(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"error", errors.New("boom"), "internal error: boom"},
		{"string", "boom", "internal error: boom"},
		{"other", 42, "internal error: panic with a non-error value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModule()
			m.reply = []byte{1}
			status := func() (status int32) {
				defer m.finish(&status)
				panic(tt.value)
			}()
			assert.Equal(t, statusInternal, status)
			assert.Equal(t, tt.want, string(m.lastError))
			assert.Empty(t, m.reply)
			assert.Equal(t, statusInternal, m.block.status)
			assert.Equal(t, uint32(len(tt.want)), m.block.errorLen)
			assert.Zero(t, m.block.replyLen)

			ptr := func() (ptr uint32) {
				defer m.finishAlloc(&ptr)
				ptr = 8
				panic(tt.value)
			}()
			assert.Zero(t, ptr)
			assert.Equal(t, statusInternal, m.lastStatus)
			assert.Equal(t, statusInternal, m.block.status)
		})
	}
}

func TestFinishPublishes(t *testing.T) {
	m := newModule()
	status := func() (status int32) {
		defer m.finish(&status)
		m.beginReply()
		m.reply = append(m.rq.reply[:0], 1, 2, 3)
		return statusOK
	}()
	require.Equal(t, statusOK, status)
	assert.Equal(t, statusBlock{replyPtr: addr(m.reply), replyLen: 3}, m.block)

	status = func() (status int32) {
		defer m.finish(&status)
		m.beginReply()
		return m.fail(int32(abi.StatusBadInput), "bad")
	}()
	require.Equal(t, int32(abi.StatusBadInput), status)
	assert.Equal(t, statusBlock{status: int32(abi.StatusBadInput), errorPtr: addr(m.lastError), errorLen: 3}, m.block)
}

// The embedder reads the block as five consecutive 32-bit words (docs/abi.md).
func TestStatusBlockLayout(t *testing.T) {
	var b statusBlock
	assert.Equal(t, uintptr(20), unsafe.Sizeof(b))
	assert.Equal(t, []uintptr{0, 4, 8, 12, 16}, []uintptr{
		unsafe.Offsetof(b.status), unsafe.Offsetof(b.errorPtr), unsafe.Offsetof(b.errorLen),
		unsafe.Offsetof(b.replyPtr), unsafe.Offsetof(b.replyLen),
	})
}

func TestBeginClearsLastError(t *testing.T) {
	m := newModule()
	m.fail(int32(abi.StatusBadInput), "bad")
	m.reply = []byte{1}
	m.begin()
	assert.Equal(t, statusOK, m.lastStatus)
	assert.Empty(t, m.lastError)
	assert.NotEmpty(t, m.reply, "begin leaves the reply")
	m.beginReply()
	assert.Empty(t, m.reply)
}
