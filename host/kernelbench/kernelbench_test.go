package kernelbench

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEqualSums(t *testing.T) {
	out := make([]byte, 6)
	for i, v := range []uint16{1, 300, 65535} {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	tests := []struct {
		name string
		out  []byte
		want []uint16
		ok   bool
	}{
		{"equal", out, []uint16{1, 300, 65535}, true},
		{"one differs", out, []uint16{1, 300, 65534}, false},
		{"too short", out[:4], []uint16{1, 300, 65535}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, equalSums(tt.out, tt.want))
		})
	}
}

func TestFloatBytes(t *testing.T) {
	b := floatBytes([]float32{1, -2.5})
	assert.Len(t, b, 8)
	assert.Equal(t, float32(-2.5), math.Float32frombits(binary.LittleEndian.Uint32(b[4:])))
}

func TestToolchain(t *testing.T) {
	tests := []struct{ version, want string }{
		{"go1.27.3", "go1.27.3"},
		{"go1.27.3-X:simd", "go1.27.3"},
		{"go1.27.3 X:simd", "go1.27.3"},
		{"go1.27rc1", "go1.27rc1"},
		{"devel go1.28-abcdef", ""},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, toolchain(tt.version), tt.version)
	}
}
