package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"
)

// fixture is the part of testdata/parity/cases.json these tests use; the host's parity tests
// check every case in full.
type fixture struct {
	Events []map[string]any `json:"events"`
	Cases  []struct {
		Name       string           `json:"name"`
		Model      string           `json:"model"`
		Query      string           `json:"query"`
		Kind       int              `json:"kind"`
		Candidates []map[string]any `json:"candidates"`
		Options    map[string]any   `json:"options"`
		Order      []int32          `json:"order"`
	} `json:"cases"`
}

func parityDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "parity")
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "go.mod not found")
		dir = filepath.Dir(dir)
	}
}

func loadFixture(t testing.TB) (*fixture, string) {
	t.Helper()
	dir := parityDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	require.NoError(t, err)
	var f fixture
	require.NoError(t, json.Unmarshal(b, &f))
	return &f, dir
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

func call(t testing.TB, m *module, fn func(ptr, n uint32) int32, msg any) (int32, []byte) {
	t.Helper()
	b, ok := msg.([]byte)
	if !ok {
		var err error
		b, err = msgpack.Marshal(msg)
		require.NoError(t, err)
	}
	ptr, n := put(t, m, b)
	m.beginReply()
	status := fn(ptr, n)
	require.Equal(t, statusOK, m.free(ptr))
	return status, m.reply
}

func loadedModule(t testing.TB, f *fixture, dir, model string) *module {
	t.Helper()
	m := newModule()
	file, err := os.ReadFile(filepath.Join(dir, model))
	require.NoError(t, err)
	status, _ := call(t, m, m.loadModel, file)
	require.Equal(t, statusOK, status, string(m.lastError))
	status, reply := call(t, m, m.loadEvents, map[string]any{"exact": true, "events": f.Events})
	require.Equal(t, statusOK, status, string(m.lastError))
	var n struct {
		Events int `msgpack:"events"`
	}
	require.NoError(t, msgpack.Unmarshal(reply, &n))
	require.Equal(t, len(f.Events), n.Events)
	return m
}

// The module's codec reads what msgpack/v5 writes, and msgpack/v5 reads its replies: every
// case of the fixture ranks as native core ranked it.
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
			status, reply := call(t, m, m.rank, map[string]any{
				"query": c.Query, "kind": c.Kind, "candidates": c.Candidates, "options": c.Options,
			})
			require.Equal(t, statusOK, status, string(m.lastError))
			var got struct {
				Order   []int32            `msgpack:"order"`
				Scores  []float32          `msgpack:"scores"`
				Timings map[string]float64 `msgpack:"timings"`
			}
			require.NoError(t, msgpack.Unmarshal(reply, &got))
			assert.Equal(t, c.Order, got.Order)
			assert.Len(t, got.Scores, len(c.Candidates))
			assert.Contains(t, got.Timings, "total_us")
		})
	}
}

// Once its buffers have grown, a rank call allocates a fixed handful of small values (the
// Reader, the Writer), however many events and candidates there are.
func TestRankAllocs(t *testing.T) {
	f, dir := loadFixture(t)
	c := f.Cases[5]
	m := loadedModule(t, f, dir, c.Model)
	for _, n := range []int{1, len(c.Candidates)} {
		b, err := msgpack.Marshal(map[string]any{"query": c.Query, "kind": c.Kind,
			"candidates": c.Candidates[:n], "options": c.Options})
		require.NoError(t, err)
		ptr, size := put(t, m, b)
		m.beginReply()
		require.Equal(t, statusOK, m.rank(ptr, size))
		allocs := testing.AllocsPerRun(20, func() {
			m.beginReply()
			m.rank(ptr, size)
		})
		assert.LessOrEqual(t, allocs, 4.0, "%d candidates", n)
	}
}

func TestRequestErrors(t *testing.T) {
	f, dir := loadFixture(t)
	item := f.Cases[0].Candidates[0]
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
	tests := []struct {
		name   string
		export string
		msg    any
		want   string
	}{
		{"not msgpack", "load_events", []byte{0xc1}, "load_events"},
		{"events not an array", "load_events", "x", "events"},
		{"unknown event key", "load_events", []any{event("x", 1)}, "unknown key \"x\""},
		{"missing time", "load_events", []any{event("t", nil)}, "missing key \"t\""},
		{"bad kind", "load_events", []any{event("k", 3)}, "kind 3"},
		{"time going back", "load_events", []any{event("t", 5), event("t", 4)}, "earlier"},
		{"attr of three strings", "load_events", []any{event("item", map[string]any{"attrs": [][]string{{"a", "b", "c"}}})}, "3 elements"},
		{"attr map without v", "load_events", []any{event("item", map[string]any{"attrs": []any{map[string]string{"f": "a"}}})}, "both f and v"},
		{"dense not finite", "load_events", []any{event("item", map[string]any{"dense": []any{[]float64{1, 2, 3, 4, 5, 6, 7, inf()}}})}, "finite"},
		{"too many dense slots", "load_events", []any{event("item", map[string]any{"dense": []any{nil, nil}})}, "dense slots"},
		{"invalid UTF-8", "load_events", []any{event("q", "\xff")}, "UTF-8"},
		{"events map without events", "load_events", map[string]any{"exact": true}, "missing key \"events\""},
		{"events of append in a map", "append_events", map[string]any{"events": []any{}}, "events"},
		{"trailing bytes", "rank", []byte("\x81\xaacandidates\x90\x00"), "after the message"},
		{"no candidates", "rank", map[string]any{"query": "q"}, "missing key \"candidates\""},
		{"too many candidates", "rank", map[string]any{"candidates": make([]map[string]any, maxCandidates+1)}, "more than"},
		{"bits 5", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"bits": 5}}, "want 0 (exact), 4 or 8"},
		{"unknown part", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"weights": map[string]any{"image": 1}}}, "unknown part"},
		{"weights on exact", "rank", map[string]any{"candidates": []any{item}, "options": map[string]any{"bits": 0, "weights": map[string]any{"id": 2}}}, "weights"},
		{"repeated key", "rank", []byte("\x82\xa5query\xa1q\xa5query\xa1q"), "repeats"},
		{"refine source 3", "rank", map[string]any{"candidates": []any{}, "options": map[string]any{"refine": 3}}, "want 0 to 2"},
		{"time span of 2^39 s", "load_events", []any{event("t", 1), event("t", int64(1)<<39+1)}, "2^39 s"},
	}
	m := loadedModule(t, f, dir, "model-4bit.seminar")
	exports := map[string]func(ptr, n uint32) int32{
		"load_events": m.loadEvents, "append_events": m.appendEvents, "rank": m.rank,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := call(t, m, exports[tt.export], tt.msg)
			assert.Equal(t, statusBadInput, status)
			assert.Contains(t, string(m.lastError), tt.want)
			assert.Empty(t, m.reply)
			assert.Equal(t, len(f.Events), m.rk.n, "a failed call keeps the events")
		})
	}
}

func inf() float64 { return math.Inf(1) }

// FuzzRequests feeds arbitrary bytes to every request export of a module holding the
// fixture's model and events: each must answer with a status, never panic.
func FuzzRequests(f *testing.F) {
	fx, dir := loadFixture(f)
	for _, msg := range []any{
		fx.Events[:3],
		map[string]any{"exact": true, "events": fx.Events[:2]},
		map[string]any{"query": "q", "kind": 1, "candidates": fx.Cases[0].Candidates[:2], "options": fx.Cases[7].Options},
	} {
		b, err := msgpack.Marshal(msg)
		require.NoError(f, err)
		for e := range byte(4) {
			f.Add(e, b)
		}
	}
	m := loadedModule(f, fx, dir, "model-4bit.seminar")
	exports := []func(ptr, n uint32) int32{m.loadEvents, m.appendEvents, m.rank, m.loadStore}
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
