package host

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/parity"
)

// FuzzExports drives the raw exports with arbitrary arguments and payloads. Whatever they are,
// the module must answer with a status other than internal, never trap, and keep its
// accounting: every buffer it handed out can be freed at the end. Buffers that succeed are kept
// small: exhausting linear memory is a trap by design (docs/abi.md), not what this tests.
//
// The input is a sequence of 9-byte operations, an opcode and two little-endian u32, some
// followed by a payload of b%512 bytes for a request export. Every input starts on the parity
// fixture's model and events, so that mutated requests reach deep into the decoders. One
// instance serves every input: it is put back in that state only when an input changed it,
// which keeps the fuzzer at thousands of inputs a second.
func FuzzExports(f *testing.F) {
	op := func(code byte, a, b uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte{code}, a), b)
	}
	f.Add(slices.Concat(op(0, 64, 0), op(3, 0, 64), op(1, 0, 0)))
	f.Add(slices.Concat(op(0, 0, 0), op(0, 300<<20, 1), op(2, 1<<31, 8)))
	f.Add(slices.Concat(op(0, 7, 0), op(3, 0, 6), op(1, 12345, 1), op(2, 0, 0)))
	f.Add(slices.Concat(op(10, 0, 0), op(11, 290, 0), op(12, 150, 0)))

	fx := parityFixture(f)
	model := parityFile(f, parity.Model4)
	for code, msg := range fuzzRequests(fx, model) {
		f.Add(slices.Concat(op(byte(4+code), 0, uint32(len(msg))), msg))
	}

	var stderr syncBuffer
	rt := newTestRuntime(f, Modules{SIMD: testModules.SIMD}, Options{Stderr: &stderr})
	var inst *Instance
	var r *Ranker
	// What an input changed, and so what the next one must restore: the model, the events held
	// (replaced or truncated), or only events appended after the fixture's, which truncation
	// takes back cheaply.
	var modelChanged, eventsReplaced, appended bool
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		if inst == nil || inst.Err() != nil {
			// Not newTestInstance: the instance outlives this input, closed with the runtime.
			var err error
			inst, err = rt.NewInstance(ctx)
			require.NoError(t, err)
			r = NewRanker(inst)
			modelChanged = true
		}
		restore(t, ctx, r, model, fx.Events, &modelChanged, &eventsReplaced, &appended)
		x := &inst.x
		requestExports := []export{x.loadModel, x.loadEvents, x.appendEvents, x.rank, x.loadStore, x.appendStore}
		var live []uint32
		le := binary.LittleEndian
		for len(ops) >= 9 {
			a, b := le.Uint32(ops[1:]), le.Uint32(ops[5:])
			code := ops[0] % 13
			ops = ops[9:]
			var err error
			switch code {
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
			case 2: // a request export at any pointer
				err = inst.callStatus(ctx, requestExports[b%uint32(len(requestExports))], a, b)
			case 3: // a request export over a live buffer, any length
				if len(live) > 0 {
					err = inst.callStatus(ctx, requestExports[a%uint32(len(requestExports))], live[int(a%uint32(len(live)))], b)
				}
			case 10:
				_, err = r.StoreBytes(ctx)
			case 11:
				err = inst.callStatus(ctx, x.storeSegment, a%512, 0)
			case 12:
				err = inst.callStatus(ctx, x.truncateEvents, a%512, 0)
				eventsReplaced = eventsReplaced || err == nil
			default: // a request export, the payload that follows
				payload := ops[:min(int(b%512), len(ops))]
				ops = ops[len(payload):]
				e := requestExports[code-4]
				err = r.request(ctx, e, payload, func([]byte) error { return nil })
				if err == nil {
					switch e {
					case x.loadModel:
						modelChanged = true
					case x.loadEvents, x.loadStore:
						eventsReplaced = true
					case x.appendEvents, x.appendStore:
						appended = true
					}
				}
			}
			var serr *StatusError
			if err != nil && (!errors.As(err, &serr) || serr.Status == StatusInternal) {
				t.Fatalf("operation %d(%d, %d): %v\nmodule stderr:\n%s", code, a, b, err, stderr.String())
			}
		}
		for _, ptr := range live {
			require.NoError(t, inst.free(ctx, ptr))
		}
	})
}

// restore puts the fixture's model and events back into r's instance, doing only what the
// last input's changes need.
func restore(t *testing.T, ctx context.Context, r *Ranker, model []byte, events []abi.Event, modelChanged, replaced, appended *bool) {
	if *modelChanged {
		_, err := r.LoadModel(ctx, model)
		require.NoError(t, err)
		*replaced = true
	}
	if *appended && !*replaced {
		if _, err := r.TruncateEvents(ctx, len(events)); err != nil {
			*replaced = true
		}
	}
	if *replaced {
		_, err := r.LoadEvents(ctx, events, abi.StoreOptions{Exact: true})
		require.NoError(t, err)
	}
	*modelChanged, *replaced, *appended = false, false, false
}

// fuzzRequests returns one valid input per request export: load_model, load_events,
// append_events, rank, load_store, append_store.
func fuzzRequests(fx *parity.Fixture, model []byte) [][]byte {
	enc := func(fn func(w *msgp.Writer)) []byte {
		w := msgp.NewWriter(nil)
		fn(w)
		return w.Bytes()
	}
	last := fx.Events[len(fx.Events)-1]
	last.Time++
	rank := fx.Cases[7].Request
	rank.Candidates = rank.Candidates[:2]
	return [][]byte{
		model[:min(len(model), 480)],
		enc(func(w *msgp.Writer) {
			abi.AppendLoadEvents(w, &abi.LoadEvents{StoreOptions: abi.StoreOptions{Int8: true}, Events: fx.Events[:3]})
		}),
		enc(func(w *msgp.Writer) { abi.AppendEvents(w, []abi.Event{last}) }),
		enc(func(w *msgp.Writer) { abi.AppendRankRequest(w, &rank) }),
		[]byte("SMEV\x01\x04\x02\x00"),
		[]byte("SMEV\x01\x04\x02\x00\x00\x00\x00\x00"),
	}
}
