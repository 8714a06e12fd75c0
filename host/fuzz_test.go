package host

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/data"
)

// FuzzExports drives the raw exports with arbitrary arguments. Whatever they are, the module
// must answer with a status (bad argument or out of memory), never trap, and keep its
// accounting: every buffer it handed out can be freed at the end. Buffers that succeed are kept
// small: exhausting linear memory is a trap by design (docs/abi.md), not what this tests.
//
// Operations 4 and up send bytes to the request exports (load_model, load_events,
// append_events, rank, load_store) or call store_bytes, on an instance that starts every run
// with the parity fixture's model and events, so that mutated requests reach deep into the
// decoders. Their payload is the b%512 bytes that follow the operation in the input.
//
// The input is a sequence of 9-byte operations: an opcode and two little-endian u32.
func FuzzExports(f *testing.F) {
	op := func(code byte, a, b uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte{code}, a), b)
	}
	f.Add(slices.Concat(op(0, 64, 0), op(3, 0, 64), op(1, 0, 0)))
	f.Add(slices.Concat(op(0, 0, 0), op(0, 300<<20, 1), op(2, 1<<31, 8)))
	f.Add(slices.Concat(op(0, 7, 0), op(3, 0, 6), op(1, 12345, 1), op(2, 0, 0)))

	model, events, requests := fuzzFixture(f)
	for code, msg := range requests {
		f.Add(slices.Concat(op(byte(4+code), 0, uint32(len(msg))), msg))
	}

	var stderr syncBuffer
	rt := newTestRuntime(f, Modules{SIMD: testModules.SIMD}, Options{Stderr: &stderr})
	var inst *Instance
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		if inst == nil || inst.Err() != nil {
			inst = newTestInstance(t, rt)
		}
		r := NewRanker(inst)
		_, err := r.LoadModel(ctx, model)
		require.NoError(t, err)
		_, err = r.LoadEvents(ctx, events, StoreOptions{Exact: true})
		require.NoError(t, err)
		requestExports := []export{inst.x.loadModel, inst.x.loadEvents, inst.x.appendEvents, inst.x.rank, inst.x.loadStore}
		var live []uint32
		le := binary.LittleEndian
		for len(ops) >= 9 {
			a, b := le.Uint32(ops[1:]), le.Uint32(ops[5:])
			code := ops[0] % 10
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
			case 2: // dot_smoke at any pointer
				err = inst.callStatus(ctx, inst.x.dotSmoke, a, b)
			case 3: // dot_smoke over a live buffer, any length
				if len(live) > 0 {
					err = inst.callStatus(ctx, inst.x.dotSmoke, live[int(a%uint32(len(live)))], b)
				}
			case 9:
				_, err = r.StoreBytes(ctx)
			default: // a request export, the payload that follows
				payload := ops[:min(int(b%512), len(ops))]
				ops = ops[len(payload):]
				err = r.request(ctx, requestExports[code-4], payload, new(any))
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

// fuzzFixture returns the parity fixture's 4-bit model file, its events, and one valid
// request per request export (load_model, load_events, append_events, rank, load_store).
func fuzzFixture(t testing.TB) ([]byte, []Event, [][]byte) {
	t.Helper()
	root, err := repoRoot()
	require.NoError(t, err)
	dir := filepath.Join(root, "testdata", "parity")
	model, err := os.ReadFile(filepath.Join(dir, "model-4bit.seminar"))
	require.NoError(t, err)
	var fx struct {
		Events []struct {
			T    int64     `json:"t"`
			K    data.Kind `json:"k"`
			Q    string    `json:"q"`
			Item struct {
				ID    string      `json:"id"`
				Text  string      `json:"text"`
				Attrs [][2]string `json:"attrs"`
				Dense [][]float32 `json:"dense"`
			} `json:"item"`
		} `json:"events"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &fx))
	events := make([]Event, len(fx.Events))
	for j, e := range fx.Events {
		it := data.Item{ID: e.Item.ID, Text: e.Item.Text, Dense: e.Item.Dense}
		for _, a := range e.Item.Attrs {
			it.Attrs = append(it.Attrs, data.Attr{Field: a[0], Value: a[1]})
		}
		events[j] = Event{Time: e.T, Kind: e.K, Query: e.Q, Item: it}
	}
	enc := func(v any) []byte {
		b, err := msgpack.Marshal(v)
		require.NoError(t, err)
		return b
	}
	last := events[len(events)-1]
	rank := RankRequest{Query: "zofu", Kind: data.Search, Candidates: []data.Item{events[0].Item, events[1].Item},
		Options: RankOptions{Bits: 4, Shortlist: 16, Weights: &PartWeights{Query: 2, ID: 1, Text: 1, Attrs: 1, Dense: 1}}}
	return model, events, [][]byte{
		[]byte("\x86\xa5magic\xadseminar-model"),
		enc(loadEventsRequest{StoreOptions: StoreOptions{Int8: true}, Events: events[:3]}),
		enc([]Event{last}),
		enc(rank),
		[]byte("SMEV\x01\x04\x00\x00"),
	}
}
