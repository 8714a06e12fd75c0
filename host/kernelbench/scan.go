package kernelbench

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/host/internal/timing"
)

// Tables is how many lookup tables the multi-table kernel scans at once.
const Tables = 8

// Scan is the time of one call of each 4-bit scan kernel over the same events and table, and
// whether each reproduced the plain sums.
type Scan struct {
	Reference, Scan4, Multi4       time.Duration // Multi4 scans Tables tables
	ReferenceOK, Scan4OK, Multi4OK bool
}

// TimeScan times the project's Scan4 and ScanMulti4 and the reference's scan4 over the same n
// events of m random 4-bit codes (drawn from seed) and the same random table, each in its own
// layout, and checks them against the plain sums.
func (b *Bench) TimeScan(ctx context.Context, n, m int, seed uint64) (Scan, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(n*m)))
	codes := make([]byte, n*m)
	for i := range codes {
		codes[i] = byte(rng.IntN(16))
	}
	luts := make([]byte, Tables*16*m)
	for i := range luts {
		luts[i] = byte(rng.IntN(256))
	}
	lut := luts[:16*m]
	want := make([]uint16, n)
	for j := range want {
		for c := range m {
			want[j] += uint16(lut[16*c+int(codes[j*m+c])])
		}
	}

	// The project's kernel: 32-event blocks (fastscan.PackCodes4).
	packed := make([]byte, fastscan.PackedLen4(n, m))
	if err := fastscan.PackCodes4(packed, codes, n, m); err != nil {
		return Scan{}, err
	}
	nb := fastscan.Blocks(n)
	var ptr [4]uint32
	var err error
	for i, size := range []int{len(luts), len(packed), 2 * nb * fastscan.BlockSize, 2 * Tables * nb * fastscan.BlockSize} {
		if ptr[i], err = b.put(ctx, make([]byte, size)); err != nil {
			return Scan{}, err
		}
	}
	if !b.ours.Memory().Write(ptr[0], luts) || !b.ours.Memory().Write(ptr[1], packed) {
		return Scan{}, errors.New("seminar-kernels: cannot write the kernel inputs")
	}
	scan, err := b.timed(ctx, b.ours, "scan4", uint64(ptr[0]), uint64(ptr[1]), uint64(nb), uint64(m), uint64(ptr[2]))
	if err != nil {
		return Scan{}, err
	}
	multi, err := b.timed(ctx, b.ours, "scan_multi4", uint64(ptr[0]), Tables, uint64(ptr[1]), uint64(nb), uint64(m), uint64(ptr[3]))
	if err != nil {
		return Scan{}, err
	}

	// The reference: 16-event blocks, laid out in its 32 MiB scratch area.
	base, err := b.call(ctx, b.ref, "base")
	if err != nil {
		return Scan{}, err
	}
	refNB, refCodes := referenceLayout(codes, n, m)
	lutAt := uint32(base)
	codesAt := lutAt + uint32(align16(len(lut)))
	outAt := codesAt + uint32(align16(len(refCodes)))
	if !b.ref.Memory().Write(lutAt, lut) || !b.ref.Memory().Write(codesAt, refCodes) {
		return Scan{}, errors.New("fastscan_ref: cannot write the kernel inputs")
	}
	refScan, err := b.timed(ctx, b.ref, "scan4", uint64(lutAt), uint64(codesAt), uint64(refNB), uint64(m), uint64(outAt))
	if err != nil {
		return Scan{}, err
	}
	took, err := timing.Interleaved([]func() error{refScan, scan, multi})
	if err != nil {
		return Scan{}, err
	}
	s := Scan{Reference: took[0], Scan4: took[1], Multi4: took[2]}
	out, _ := b.ref.Memory().Read(outAt, uint32(2*n))
	s.ReferenceOK = equalSums(out, want)
	out, _ = b.ours.Memory().Read(ptr[2], uint32(2*n))
	s.Scan4OK = equalSums(out, want)
	out, _ = b.ours.Memory().Read(ptr[3], uint32(2*n))
	s.Multi4OK = equalSums(out, want)
	return s, nil
}

func align16(n int) int { return (n + 15) &^ 15 }

// equalSums reports whether out holds the little-endian uint16 sums want.
func equalSums(out []byte, want []uint16) bool {
	if len(out) < 2*len(want) {
		return false
	}
	for j, v := range want {
		if binary.LittleEndian.Uint16(out[2*j:]) != v {
			return false
		}
	}
	return true
}
