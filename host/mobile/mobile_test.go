package mobile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host/historyfile"
	"github.com/seminar-ranker/seminar/host/historyfile/historyfiletest"
)

// testCache is the compiled-code cache of every ranker the tests open, so that the module is
// compiled once per run rather than once per test.
var testCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seminar-mobile-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is the parity fixture: its model files, its events as JSON and the case that ranks
// with the default options, which a history restored from the store reproduces.
type fixture struct {
	models map[string][]byte
	events []abi.Event
	req    []byte // the case's request, JSON
	c      *parity.Case
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Name == "4-bit defaults" {
			req, err := json.Marshal(&c.Request)
			require.NoError(t, err)
			return fixture{models: models, events: f.Events, req: req, c: c}
		}
	}
	t.Fatal("the parity fixture has no case \"4-bit defaults\"")
	return fixture{}
}

func (f fixture) json(t *testing.T, from, to int) []byte {
	t.Helper()
	b, err := json.Marshal(f.events[from:to])
	require.NoError(t, err)
	return b
}

func (f fixture) msgpack(from, to int) []byte {
	w := msgp.NewWriter(nil)
	abi.AppendEvents(w, f.events[from:to])
	return w.Bytes()
}

func openTest(t *testing.T, model []byte, dir string, fsys historyfile.FS) *Ranker {
	t.Helper()
	r, err := open(context.Background(), model, dir, options{fsys: fsys, cacheDir: testCache})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// rank ranks the fixture's case and checks the reply against the fixture.
func (f fixture) rank(t *testing.T, r *Ranker) {
	t.Helper()
	out, err := r.Rank(f.req)
	require.NoError(t, err)
	var reply abi.RankReply
	require.NoError(t, json.Unmarshal(out, &reply))
	require.NoError(t, f.c.Compare(reply.Order, reply.Scores))
}

// TestLifecycle is what docs/mobile.md's Swift and Kotlin samples for the Go host do: open,
// append in JSON and in MessagePack, rank, close, reopen, export, forget.
func TestLifecycle(t *testing.T) {
	f := loadFixture(t)
	dir := t.TempDir()
	model := f.models[parity.Model4]
	n := len(f.events)

	r := openTest(t, model, dir, historyfile.OS{})
	require.Zero(t, r.Count())
	got, err := r.Append(f.json(t, 0, n/2))
	require.NoError(t, err)
	require.EqualValues(t, n/2, got)
	got, err = r.Append(f.msgpack(n/2, n))
	require.NoError(t, err)
	require.EqualValues(t, n, got)
	f.rank(t, r)

	// A MessagePack request gets a MessagePack reply.
	w := msgp.NewWriter(nil)
	abi.AppendRankRequest(w, &f.c.Request)
	out, err := r.Rank(w.Bytes())
	require.NoError(t, err)
	var dec abi.Decoder
	var reply abi.RankReply
	require.NoError(t, dec.RankReply(out, &reply))
	require.NoError(t, f.c.Compare(reply.Order, reply.Scores))

	exported, err := r.Export()
	require.NoError(t, err)
	require.Equal(t, "SMEV", string(exported[:4]))
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "a second close")
	_, err = r.Append(f.json(t, 0, 1))
	require.ErrorContains(t, err, "closed")

	// Reopening compacts the two segments into the snapshot.
	r = openTest(t, model, dir, historyfile.OS{})
	require.EqualValues(t, n, r.Count())
	require.Zero(t, r.hist.Segments())
	f.rank(t, r)
	again, err := r.Export()
	require.NoError(t, err)
	require.Equal(t, exported, again)

	require.NoError(t, r.Forget())
	require.Zero(t, r.Count())
	require.NoError(t, r.Close())
	r = openTest(t, model, dir, historyfile.OS{})
	require.Zero(t, r.Count())
}

func TestBadInput(t *testing.T) {
	f := loadFixture(t)
	r := openTest(t, f.models[parity.Model4], t.TempDir(), historyfile.OS{})
	_, err := r.Append(f.json(t, 0, 10))
	require.NoError(t, err)
	for _, in := range []string{
		`[{"t": 1, "k": 2, "item": {}}]`,
		`[{"t": 1, "item": {"id": "x", "colour": "red"}}]`,
		`{"events": []}`,
		`[`,
		"\xc1",
	} {
		got, err := r.Append([]byte(in))
		require.Error(t, err, in)
		require.EqualValues(t, 10, got, in)
	}
	_, err = r.Rank([]byte(`{"candidates": [], "options": {"bits": 5}}`))
	require.ErrorContains(t, err, "bits")
	require.EqualValues(t, 10, r.Count())
	_, err = r.Append([]byte(`[]`))
	require.NoError(t, err)
	require.EqualValues(t, 10, r.Count())
}

// TestAppendFailures injects storage failures into appends: the append fails, memory and disk
// agree, and a restarted app finds every acknowledged event.
func TestAppendFailures(t *testing.T) {
	f := loadFixture(t)
	model := f.models[parity.Model4]
	tests := []struct {
		name  string
		fault historyfiletest.Fault
		// held is the events a restart finds beyond the 100 acknowledged: the failed
		// append's 50 may be there when its record reached the disk whole.
		held int
	}{
		{"short write", historyfiletest.Fault{Op: historyfiletest.Write, N: 1}, 100},
		{"failed fsync", historyfiletest.Fault{Op: historyfiletest.Sync, N: 1}, 100},
		{"crash mid-record", historyfiletest.Fault{Op: historyfiletest.Write, N: 1, Effect: historyfiletest.Crash}, 100},
		{"crash before fsync", historyfiletest.Fault{Op: historyfiletest.Sync, N: 1, Effect: historyfiletest.Crash}, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fsys := new(historyfiletest.FS)
			r := openTest(t, model, dir, fsys)
			_, err := r.Append(f.json(t, 0, 100))
			require.NoError(t, err)
			fsys.Inject(tt.fault)
			got, err := r.Append(f.json(t, 100, 150))
			require.Error(t, err)
			require.EqualValues(t, 100, got)
			require.EqualValues(t, 100, r.Count())
			if !fsys.Crashed() {
				// The app goes on: the next append lands after the acknowledged events.
				got, err = r.Append(f.json(t, 100, len(f.events)))
				require.NoError(t, err)
				require.EqualValues(t, len(f.events), got)
				require.NoError(t, r.Close())
				r = openTest(t, model, dir, historyfile.OS{})
				require.EqualValues(t, len(f.events), r.Count())
				f.rank(t, r)
				return
			}
			_ = r.Close()
			r = openTest(t, model, dir, historyfile.OS{})
			require.EqualValues(t, tt.held, r.Count())
		})
	}
}

// TestOtherCodec opens a history with a model of another codec: refused until removed.
func TestOtherCodec(t *testing.T) {
	f := loadFixture(t)
	dir := t.TempDir()
	r := openTest(t, f.models[parity.Model4], dir, historyfile.OS{})
	_, err := r.Append(f.json(t, 0, 10))
	require.NoError(t, err)
	require.NoError(t, r.Close())

	_, err = open(context.Background(), f.models[parity.Model8], dir, options{fsys: historyfile.OS{}, cacheDir: testCache})
	require.ErrorIs(t, err, ErrCodec)
	require.NoError(t, Remove(dir))
	require.NoDirExists(t, filepath.Join(dir, historyDir))
	r = openTest(t, f.models[parity.Model8], dir, historyfile.OS{})
	require.Zero(t, r.Count())
}

// TestRestart breaks the instance, as a trap would: the next call starts a new one from the
// history on disk.
func TestRestart(t *testing.T) {
	f := loadFixture(t)
	r := openTest(t, f.models[parity.Model4], t.TempDir(), historyfile.OS{})
	_, err := r.Append(f.json(t, 0, len(f.events)))
	require.NoError(t, err)
	require.NoError(t, r.inst.Close(context.Background()))
	f.rank(t, r)
	require.EqualValues(t, len(f.events), r.Count())
	require.NoError(t, r.inst.Err())
}
