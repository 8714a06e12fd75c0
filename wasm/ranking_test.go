package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/parity"
)

func loadFixture(t testing.TB) (*parity.Fixture, string) {
	t.Helper()
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, _, err := parity.Load(dir)
	require.NoError(t, err)
	return f, dir
}

// put copies b into a new alloc buffer.
func put(t testing.TB, m *module, b []byte) (uint32, uint32) {
	t.Helper()
	if len(b) == 0 {
		return 0, 0
	}
	ptr := m.alloc(uint32(len(b)))
	require.NotZero(t, ptr)
	copy(m.allocs[ptr], b)
	return ptr, uint32(len(b))
}

// encode writes a message with msgpack/v5, the reflection codec, unless it is bytes already:
// the module reads what another encoder writes.
func encode(t testing.TB, msg any) []byte {
	t.Helper()
	if b, ok := msg.([]byte); ok {
		return b
	}
	b, err := msgpack.Marshal(msg)
	require.NoError(t, err)
	return b
}

func call(t testing.TB, m *module, fn func(ptr, n uint32) int32, msg any) (int32, []byte) {
	t.Helper()
	ptr, n := put(t, m, encode(t, msg))
	m.beginReply()
	status := fn(ptr, n)
	require.Equal(t, statusOK, m.free(ptr))
	return status, m.reply
}

func loadedModule(t testing.TB, f *parity.Fixture, dir, model string) *module {
	t.Helper()
	m := newModule()
	file, err := os.ReadFile(filepath.Join(dir, model))
	require.NoError(t, err)
	status, _ := call(t, m, m.loadModel, file)
	require.Equal(t, statusOK, status, string(m.lastError))
	w := msgp.NewWriter(nil)
	abi.AppendLoadEvents(w, &abi.LoadEvents{StoreOptions: abi.StoreOptions{Exact: true}, Events: f.Events})
	status, reply := call(t, m, m.loadEvents, w.Bytes())
	require.Equal(t, statusOK, status, string(m.lastError))
	n, err := (&abi.Decoder{}).EventCount(reply)
	require.NoError(t, err)
	require.Equal(t, len(f.Events), n)
	return m
}

// Every case of the fixture ranks as native core ranked it, from requests msgpack/v5 writes.
func TestRankFixture(t *testing.T) {
	f, dir := loadFixture(t)
	mods := map[string]*module{}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m := mods[c.Model]
			if m == nil {
				m = loadedModule(t, f, dir, c.Model)
				mods[c.Model] = m
			}
			status, reply := call(t, m, m.rank, &c.Request)
			require.Equal(t, statusOK, status, string(m.lastError))
			var got abi.RankReply
			require.NoError(t, msgpack.Unmarshal(reply, &got), "msgpack/v5 reads the reply")
			require.NoError(t, c.Compare(got.Order, got.Scores))
			assert.Positive(t, got.Timings.Total)
		})
	}
}

// Once its buffers have grown, a rank call allocates a fixed handful of small values (the
// Reader, the Writer), however many events and candidates there are.
func TestRankAllocs(t *testing.T) {
	f, dir := loadFixture(t)
	c := f.Cases[7]
	m := loadedModule(t, f, dir, c.Model)
	for _, n := range []int{1, len(c.Request.Candidates)} {
		req := c.Request
		req.Candidates = req.Candidates[:n]
		ptr, size := put(t, m, encode(t, &req))
		m.beginReply()
		require.Equal(t, statusOK, m.rank(ptr, size), string(m.lastError))
		allocs := testing.AllocsPerRun(20, func() {
			m.beginReply()
			m.rank(ptr, size)
		})
		assert.LessOrEqual(t, allocs, 4.0, "%d candidates", n)
	}
}

// A failed request leaves the events held as they were, and says why with the key's path.
func TestRequestErrors(t *testing.T) {
	f, dir := loadFixture(t)
	item := f.Cases[0].Request.Candidates[0]
	event := func(kv ...any) map[string]any {
		e := map[string]any{"t": 1, "k": 1, "q": "q", "item": item}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(e, kv[i].(string))
			} else {
				e[kv[i].(string)] = kv[i+1]
			}
		}
		return e
	}
	m := loadedModule(t, f, dir, parity.Model4)
	held := len(f.Events)
	late := f.Events[held-1].Time + 1
	tests := []struct {
		name   string
		export string
		msg    any
		status abi.Status
		want   string
	}{
		{"not msgpack", "load_events", []byte{0xc1}, abi.StatusBadInput, "load_events"},
		{"events not an array", "load_events", "x", abi.StatusBadInput, "events"},
		{"unknown event key", "load_events", []any{event("x", 1)}, abi.StatusBadInput, `events[0]: unknown key "x"`},
		{"missing time", "load_events", []any{event("t", nil)}, abi.StatusBadInput, `missing key "t"`},
		{"bad kind", "load_events", []any{event("k", 3)}, abi.StatusBadInput, "events[0].k: 3"},
		{"time going back", "load_events", []any{event("t", 5), event("t", 4)}, abi.StatusBadInput, "events[1]: time 4 is earlier"},
		{"attr of three strings", "load_events", []any{event("item", map[string]any{"attrs": [][]string{{"a", "b", "c"}}})}, abi.StatusBadInput, "events[0].item.attrs[0]: an attribute array has 3 elements"},
		{"attr map without v", "load_events", []any{event("item", map[string]any{"attrs": []any{map[string]string{"f": "a"}}})}, abi.StatusBadInput, "both f and v"},
		{"dense not finite", "load_events", []any{event("item", map[string]any{"dense": []any{[]float64{1, 2, 3, 4, 5, 6, 7, inf()}}})}, abi.StatusBadInput, "item.dense[0][7]: not a finite number"},
		{"too many dense slots", "load_events", []any{event("item", map[string]any{"dense": []any{nil, nil}})}, abi.StatusBadInput, "dense slots"},
		{"invalid UTF-8", "load_events", []any{event("q", "\xff")}, abi.StatusBadInput, "UTF-8"},
		{"browse event with a query", "append_events", []any{event("k", 0, "t", late)}, abi.StatusBadInput, "events[0].q: a browse event"},
		{"events map without events", "load_events", map[string]any{"exact": true}, abi.StatusBadInput, `missing key "events"`},
		{"events of append in a map", "append_events", map[string]any{"events": []any{}}, abi.StatusBadInput, "events"},
		{"append before the last event", "append_events", []any{event("t", 1)}, abi.StatusBadInput, "earlier than the event before it"},
		{"trailing bytes", "rank", []byte("\x81\xaacandidates\x90\x00"), abi.StatusBadInput, "after the message"},
		{"no candidates", "rank", map[string]any{"query": "q"}, abi.StatusBadInput, `missing key "candidates"`},
		{"too many candidates", "rank", map[string]any{"candidates": make([]map[string]any, abi.MaxCandidates+1)}, abi.StatusBadInput, "more than the limit"},
		{"misspelt option", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"bit": 4}}, abi.StatusBadInput, `options: unknown key "bit"`},
		{"bits 5", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"bits": 5}}, abi.StatusBadInput, "options.bits: 5"},
		{"bits of the other codec", "rank", map[string]any{"candidates": []any{item}, "options": map[string]any{"bits": 8}}, abi.StatusBadInput, "4-bit codes"},
		{"unknown part", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"weights": map[string]any{"image": 1}}}, abi.StatusBadInput, "unknown part"},
		{"weights on exact", "rank", map[string]any{"candidates": []any{item}, "options": map[string]any{"exact": true, "weights": map[string]any{"id": 2}}}, abi.StatusBadInput, "weights"},
		{"repeated key", "rank", []byte("\x82\xa5query\xa1q\xa5query\xa1q"), abi.StatusBadInput, "repeats"},
		{"refine source 3", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"refine": 3}}, abi.StatusBadInput, "options.refine: 3"},
		{"k over the limit", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"k": abi.MaxTopK + 1}}, abi.StatusBadInput, "options.k"},
		{"time span of 2^39 s", "load_events", []any{event("t", 1), event("t", int64(1)<<39+1)}, abi.StatusBadInput, "2^39 s"},
		{"store of garbage", "load_store", []byte("SMEV\x01\x04\x00\x00"), abi.StatusBadInput, "shorter than a header"},
		{"append store of garbage", "append_store", []byte("nope"), abi.StatusBadInput, "load_store"},
	}
	exports := map[string]func(ptr, n uint32) int32{
		"load_events": m.loadEvents, "append_events": m.appendEvents, "rank": m.rank,
		"load_store": m.loadStore, "append_store": m.appendStore,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := call(t, m, exports[tt.export], tt.msg)
			assert.Equal(t, int32(tt.status), status)
			if tt.export != "append_store" {
				assert.Contains(t, string(m.lastError), tt.want)
			}
			assert.Empty(t, m.reply)
			assert.Equal(t, held, m.rq.s.Len(), "a failed call keeps the events")
		})
	}
}

// A fresh model holds an empty history: appending to it, truncating, and saving a segment of
// the events appended since a point and appending it to a copy of the rest.
func TestLifecycle(t *testing.T) {
	f, dir := loadFixture(t)
	file, err := os.ReadFile(filepath.Join(dir, parity.Model4))
	require.NoError(t, err)
	m := newModule()
	status, _ := call(t, m, m.loadModel, file)
	require.Equal(t, statusOK, status, string(m.lastError))
	w := msgp.NewWriter(nil)
	abi.AppendEvents(w, f.Events[:200])
	status, _ = call(t, m, m.appendEvents, w.Bytes())
	require.Equal(t, statusOK, status, "append right after load_model: %s", m.lastError)
	require.Equal(t, 200, m.rq.s.Len())

	m.beginReply()
	require.Equal(t, statusOK, m.storeSegment("store_bytes", 0))
	snapshot := append([]byte(nil), m.reply...)
	w = msgp.NewWriter(nil)
	abi.AppendEvents(w, f.Events[200:])
	status, _ = call(t, m, m.appendEvents, w.Bytes())
	require.Equal(t, statusOK, status, string(m.lastError))
	m.beginReply()
	require.Equal(t, statusOK, m.storeSegment("store_segment", 200))
	segment := append([]byte(nil), m.reply...)
	m.beginReply()
	require.Equal(t, statusOK, m.storeSegment("store_bytes", 0))
	whole := append([]byte(nil), m.reply...)

	other := newModule()
	status, _ = call(t, other, other.loadModel, file)
	require.Equal(t, statusOK, status)
	status, _ = call(t, other, other.loadStore, snapshot)
	require.Equal(t, statusOK, status, string(other.lastError))
	status, _ = call(t, other, other.appendStore, segment)
	require.Equal(t, statusOK, status, string(other.lastError))
	other.beginReply()
	require.Equal(t, statusOK, other.storeSegment("store_bytes", 0))
	assert.Equal(t, whole, other.reply, "snapshot + segment = the whole store")

	status, _ = call(t, other, other.appendStore, segment)
	assert.Equal(t, int32(abi.StatusBadInput), status, "a segment appended twice goes back in time")

	m.beginReply()
	require.Equal(t, statusOK, m.truncateEvents(200))
	m.beginReply()
	require.Equal(t, statusOK, m.storeSegment("store_bytes", 0))
	assert.Equal(t, snapshot, m.reply, "truncating restores the store as it was")
	m.beginReply()
	assert.Equal(t, statusBadArgument, m.truncateEvents(201))
}

func inf() float64 { return math.Inf(1) }

// FuzzRequests feeds arbitrary bytes to every request export of a module holding the
// fixture's model and events: each must answer with a status, never panic.
func FuzzRequests(f *testing.F) {
	fx, dir := loadFixture(f)
	for _, msg := range []any{
		fx.Events[:3],
		&abi.LoadEvents{StoreOptions: abi.StoreOptions{Exact: true}, Events: fx.Events[:2]},
		&fx.Cases[7].Request,
	} {
		b := encode(f, msg)
		for e := range byte(5) {
			f.Add(e, b)
		}
	}
	m := loadedModule(f, fx, dir, parity.Model4)
	exports := []func(ptr, n uint32) int32{m.loadEvents, m.appendEvents, m.rank, m.loadStore, m.appendStore}
	f.Fuzz(func(t *testing.T, export byte, b []byte) {
		fn := exports[int(export)%len(exports)]
		status := func() (status int32) {
			defer m.finish(&status)
			ptr, n := put(t, m, b)
			m.beginReply()
			status = fn(ptr, n)
			m.free(ptr)
			return status
		}()
		require.NotEqual(t, statusInternal, status, string(m.lastError))
		if status != statusOK {
			assert.NotEmpty(t, m.lastError)
		}
	})
}
