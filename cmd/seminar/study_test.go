package main

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTopOverlap(t *testing.T) {
	tests := []struct {
		a, b []float32
		n    int
		want float64
	}{
		{[]float32{3, 2, 1, 0}, []float32{3, 2, 1, 0}, 2, 1},
		{[]float32{3, 2, 1, 0}, []float32{0, 1, 2, 3}, 2, 0},
		{[]float32{3, 2, 1, 0}, []float32{3, 0, 2, 1}, 2, 0.5},
		{[]float32{1, 1, 1}, []float32{1, 1, 1}, 2, 1}, // ties by lower index in both
		{[]float32{5}, []float32{5}, 10, 1},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, topOverlap(tt.a, tt.b, tt.n), 1e-12)
	}
}

func TestEqualSums(t *testing.T) {
	out := make([]byte, 6)
	for i, v := range []uint16{1, 300, 65535} {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	assert.True(t, equalSums(out, []uint16{1, 300, 65535}))
	assert.False(t, equalSums(out, []uint16{1, 300, 65534}))
	assert.False(t, equalSums(out[:4], []uint16{1, 300, 65535}))
}

func TestTimeInterleaved(t *testing.T) {
	calls := []int{0, 0}
	took, err := timeInterleaved([]func() error{
		func() error { calls[0]++; return nil },
		func() error { calls[1]++; return nil },
	})
	require.NoError(t, err)
	assert.Len(t, took, 2)
	assert.Positive(t, calls[0])
	assert.Positive(t, calls[1])
	boom := errors.New("boom")
	_, err = timeInterleaved([]func() error{func() error { return boom }})
	require.ErrorIs(t, err, boom)
}
