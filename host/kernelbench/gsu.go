package kernelbench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/internal/timing"
)

// History is one history in the forms the kernels module retrieves from.
type History struct {
	// Model is a model file whose sections retrieval.Section and Section8 hold the 4-bit and the
	// 8-bit codec.
	Model          []byte
	Store4, Store8 []byte      // the history's stores of each codec, marshalled
	Vectors        []float32   // the event vectors, row after row, for exact retrieval
	Targets        [][]float32 // the target vectors the calls retrieve for, in turn
}

// GSU is one retrieval to time: exact over the vectors, or through the codec of Bits.
type GSU struct {
	Name    string // for errors
	Exact   bool
	Bits    int
	Options retrieval.Options
}

// TimeGSU loads h into the kernels module and times every variant there, interleaved (see
// package timing): the lowest mean time of one call, one target per call.
func (b *Bench) TimeGSU(ctx context.Context, h History, variants []GSU) ([]time.Duration, error) {
	var ptrs []uint64
	for _, data := range [][]byte{h.Model, h.Store4, h.Store8, floatBytes(h.Vectors)} {
		p, err := b.put(ctx, data)
		if err != nil {
			return nil, err
		}
		ptrs = append(ptrs, uint64(p), uint64(len(data)))
	}
	if st, err := b.call(ctx, b.ours, "load", ptrs...); err != nil {
		return nil, err
	} else if int32(st) != 0 {
		return nil, b.ourError(ctx)
	}
	targets := make([]uint64, len(h.Targets))
	for i, t := range h.Targets {
		p, err := b.put(ctx, floatBytes(t))
		if err != nil {
			return nil, err
		}
		targets[i] = uint64(p)
	}
	calls := make([]func() error, len(variants))
	for k, v := range variants {
		exact := uint64(0)
		if v.Exact {
			exact = 1
		}
		perTarget := make([]func() error, len(targets))
		for i, t := range targets {
			var err error
			o := v.Options
			if perTarget[i], err = b.timed(ctx, b.ours, "gsu", t, exact, uint64(v.Bits), uint64(o.Heads), uint64(o.K),
				uint64(o.Shortlist), uint64(o.Refine)); err != nil {
				return nil, err
			}
		}
		i := 0
		calls[k] = func() error {
			i++
			if err := perTarget[i%len(perTarget)](); err != nil {
				return fmt.Errorf("wasm %s: %w", v.Name, err)
			}
			return nil
		}
	}
	return timing.Interleaved(calls)
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}
