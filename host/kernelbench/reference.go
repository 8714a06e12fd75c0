package kernelbench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Reference is the reference kernels module alone, in a wazero runtime of its own (the
// compiler): the yardstick that package bench times rank calls against.
type Reference struct {
	rt  wazero.Runtime
	mod api.Module
}

// OpenReference compiles and instantiates fastscan_ref.wasm from path.
func OpenReference(ctx context.Context, path string) (*Reference, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &Reference{rt: wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())}
	if r.mod, err = r.rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("fastscan_ref")); err != nil {
		return nil, errors.Join(fmt.Errorf("fastscan_ref: %w", err), r.Close(ctx))
	}
	return r, nil
}

// Close closes the runtime and the module.
func (r *Reference) Close(ctx context.Context) error { return r.rt.Close(ctx) }

// Scan4 lays n events of m random 4-bit codes (drawn from seed) and a random table in the
// reference's scratch area, in its 16-event block layout, and returns a call of its scan4 over
// them. The area is shared: a later Scan4 overwrites what the calls of an earlier one read.
func (r *Reference) Scan4(ctx context.Context, n, m int, seed uint64) (func() error, error) {
	if m%2 != 0 {
		return nil, fmt.Errorf("fastscan_ref: scan4 takes an even number of sub-quantizers, got %d", m)
	}
	rng := rand.New(rand.NewPCG(seed, uint64(n*m)))
	codes := make([]byte, n*m)
	for i := range codes {
		codes[i] = byte(rng.IntN(16))
	}
	lut := make([]byte, 16*m)
	for i := range lut {
		lut[i] = byte(rng.IntN(256))
	}
	base, err := callFirst(ctx, r.mod, "base")
	if err != nil {
		return nil, err
	}
	nb, packed := referenceLayout(codes, n, m)
	lutAt := uint32(base)
	codesAt := lutAt + uint32(align16(len(lut)))
	outAt := codesAt + uint32(align16(len(packed)))
	if uint64(outAt)+uint64(32*nb) > uint64(base)+referenceScratch ||
		!r.mod.Memory().Write(lutAt, lut) || !r.mod.Memory().Write(codesAt, packed) {
		return nil, fmt.Errorf("fastscan_ref: %d events × %d codes do not fit its scratch area", n, m)
	}
	return timedCall(ctx, r.mod, "scan4", nil, uint64(lutAt), uint64(codesAt), uint64(nb), uint64(m), uint64(outAt))
}

// referenceScratch is the size of the area the reference's base() returns.
const referenceScratch = 32 << 20

// referenceLayout packs n events of m codes, one per byte, row-major, into the reference's
// layout: blocks of 16 events; per block and sub-quantizer pair p, one byte per event whose
// low nibble is the code of 2p and high nibble that of 2p+1. It returns the block count too.
func referenceLayout(codes []byte, n, m int) (nblocks int, packed []byte) {
	nblocks = (n + 15) / 16
	packed = make([]byte, nblocks*m/2*16)
	for j := range n {
		blk, lane := j/16, j%16
		for p := 0; p < m/2; p++ {
			packed[(blk*(m/2)+p)*16+lane] = codes[j*m+2*p] | codes[j*m+2*p+1]<<4
		}
	}
	return nblocks, packed
}
