package host

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzExports drives the raw exports with arbitrary arguments. Whatever they are, the module
// must answer with a status (bad argument or out of memory), never trap, and keep its
// accounting: every buffer it handed out can be freed at the end. Buffers that succeed are kept
// small: exhausting linear memory is a trap by design (docs/abi.md), not what this tests.
//
// The input is a sequence of 9-byte operations: an opcode and two little-endian u32.
func FuzzExports(f *testing.F) {
	op := func(code byte, a, b uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte{code}, a), b)
	}
	f.Add(slices.Concat(op(0, 64, 0), op(3, 0, 64), op(1, 0, 0)))
	f.Add(slices.Concat(op(0, 0, 0), op(0, 300<<20, 1), op(2, 1<<31, 8)))
	f.Add(slices.Concat(op(0, 7, 0), op(3, 0, 6), op(1, 12345, 1), op(2, 0, 0)))

	var stderr syncBuffer
	inst := newTestInstance(f, newTestRuntime(f, Modules{SIMD: testModules.SIMD}, Options{Stderr: &stderr}))
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		var live []uint32
		le := binary.LittleEndian
		for ; len(ops) >= 9; ops = ops[9:] {
			a, b := le.Uint32(ops[1:]), le.Uint32(ops[5:])
			var err error
			switch ops[0] % 4 {
			case 0: // alloc: a small size, or (b odd) one past the limit
				size := a % (1 << 20)
				if b%2 == 1 {
					size = a | (256<<20 + 1)
				}
				var ptr uint32
				if ptr, err = inst.alloc(ctx, size); err == nil {
					live = append(live, ptr)
				}
			case 1: // free: a live buffer, or (b odd) any pointer that is not one
				if b%2 == 0 && len(live) > 0 {
					k := int(a % uint32(len(live)))
					err = inst.free(ctx, live[k])
					live = slices.Delete(live, k, k+1)
				} else if !slices.Contains(live, a) {
					err = inst.free(ctx, a)
				}
			case 2: // dot_smoke at any pointer
				err = inst.callStatus(ctx, inst.x.dotSmoke, a, b)
			case 3: // dot_smoke over a live buffer, any length
				if len(live) > 0 {
					err = inst.callStatus(ctx, inst.x.dotSmoke, live[int(a%uint32(len(live)))], b)
				}
			}
			var serr *StatusError
			if err != nil && (!errors.As(err, &serr) || serr.Status == StatusInternal) {
				t.Fatalf("operation %d(%d, %d): %v\nmodule stderr:\n%s", ops[0]%4, a, b, err, stderr.String())
			}
		}
		for _, ptr := range live {
			require.NoError(t, inst.free(ctx, ptr))
		}
	})
}
