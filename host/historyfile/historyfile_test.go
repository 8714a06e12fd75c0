package historyfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/historyfile"
	"github.com/seminar-ranker/seminar/host/historyfile/historyfiletest"
)

// seg is the payload of segment i: distinct lengths and bytes, so that a record cut or mixed
// up shows.
func seg(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 90+i) }

// snap is the payload of a snapshot that holds the segments given.
func snap(ids ...int) []byte {
	b := []byte("snapshot")
	for _, i := range ids {
		b = append(b, seg(i)...)
	}
	return b
}

func segs(ids ...int) [][]byte {
	out := make([][]byte, len(ids))
	for k, i := range ids {
		out[k] = seg(i)
	}
	return out
}

// reopen opens dir as a restarted process would, with a file system that works.
func reopen(t *testing.T, dir string) (*historyfile.Dir, *historyfile.Contents) {
	t.Helper()
	d, c, err := historyfile.Open(historyfile.OS{}, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d, c
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "history")
	d, c := reopen(t, dir)
	require.Equal(t, &historyfile.Contents{}, c)
	for i := 1; i <= 3; i++ {
		require.NoError(t, d.Append(seg(i)))
	}
	require.Equal(t, 3, d.Segments())
	require.NoError(t, d.Close())

	d, c = reopen(t, dir)
	require.Equal(t, &historyfile.Contents{Segments: segs(1, 2, 3)}, c)
	require.NoError(t, d.Compact(snap(1, 2, 3)))
	require.Zero(t, d.Segments())
	require.NoError(t, d.Append(seg(4)))
	require.NoError(t, d.Close())

	d, c = reopen(t, dir)
	require.Equal(t, &historyfile.Contents{Snapshot: snap(1, 2, 3), Segments: segs(4)}, c)
	require.NoError(t, d.Clear())
	require.NoError(t, d.Close())
	_, c = reopen(t, dir)
	require.Equal(t, &historyfile.Contents{}, c)
	require.Error(t, d.Append(nil), "an empty record")
}

// TestFaults runs an operation with failures injected, then checks what a restarted process
// finds: everything acknowledged, in order; of the operation that failed, nothing or all.
func TestFaults(t *testing.T) {
	const (
		appendOp = iota
		compactOp
		clearOp
	)
	F := func(op historyfiletest.Op, n int, e historyfiletest.Effect) historyfiletest.Fault {
		return historyfiletest.Fault{Op: op, N: n, Effect: e}
	}
	const (
		fail  = historyfiletest.Fail
		crash = historyfiletest.Crash
	)
	tests := []struct {
		name string
		// The history before the fault: segments 1 and 2 appended, then compacted if set
		// (snapshot of 1 and 2, empty log), then segment 3 appended if compacted.
		compacted bool
		fresh     bool // no history at all before the fault
		op        int  // what fails: appending segment 9, compacting, clearing
		faults    []historyfiletest.Fault
		broken    bool // later appends fail with ErrBroken
		// After reopening:
		snapshot []byte
		segments [][]byte
		torn     bool
		stale    bool
	}{
		{name: "short write", op: appendOp, faults: []historyfiletest.Fault{F(historyfiletest.Write, 1, fail)},
			segments: segs(1, 2, 10)},
		{name: "failed fsync", op: appendOp, faults: []historyfiletest.Fault{F(historyfiletest.Sync, 1, fail)},
			segments: segs(1, 2, 10)},
		{name: "short write, failed repair", op: appendOp, broken: true,
			faults:   []historyfiletest.Fault{F(historyfiletest.Write, 1, fail), F(historyfiletest.Truncate, 1, fail)},
			segments: segs(1, 2), torn: true},
		{name: "failed fsync, failed repair", op: appendOp, broken: true,
			faults: []historyfiletest.Fault{F(historyfiletest.Sync, 1, fail), F(historyfiletest.Truncate, 1, fail)},
			// The record reached the file whole: the unacknowledged segment may come back.
			segments: segs(1, 2, 9)},
		{name: "crash mid-record", op: appendOp, faults: []historyfiletest.Fault{F(historyfiletest.Write, 1, crash)},
			segments: segs(1, 2), torn: true},
		{name: "crash before fsync", op: appendOp, faults: []historyfiletest.Fault{F(historyfiletest.Sync, 1, crash)},
			segments: segs(1, 2, 9)},
		{name: "crash mid-record after compaction", compacted: true, op: appendOp,
			faults:   []historyfiletest.Fault{F(historyfiletest.Write, 1, crash)},
			snapshot: snap(1, 2), segments: segs(3), torn: true},
		{name: "crash creating the log", fresh: true, op: appendOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Write, 1, crash)}},
		{name: "failed rename creating the log", fresh: true, op: appendOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Rename, 1, fail)}, segments: segs(10)},
		{name: "failed directory sync creating the log", fresh: true, op: appendOp,
			faults: []historyfiletest.Fault{F(historyfiletest.SyncDir, 1, fail)}, segments: segs(10)},
		{name: "crash writing the snapshot", op: compactOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Write, 1, crash)}, segments: segs(1, 2)},
		{name: "failed snapshot fsync", op: compactOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Sync, 1, fail)}, segments: segs(1, 2, 10)},
		{name: "failed snapshot rename", op: compactOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Rename, 1, fail)}, segments: segs(1, 2, 10)},
		{name: "crash before removing the old log", op: compactOp,
			faults:   []historyfiletest.Fault{F(historyfiletest.Remove, 1, crash)},
			snapshot: snap(1, 2), stale: true},
		{name: "failed log removal", op: compactOp,
			faults:   []historyfiletest.Fault{F(historyfiletest.Remove, 1, fail)},
			snapshot: snap(1, 2), segments: segs(10), stale: false},
		{name: "crash clearing, between snapshot and log", compacted: true, op: clearOp,
			faults: []historyfiletest.Fault{F(historyfiletest.Remove, 2, crash)}, stale: true},
		{name: "crash clearing the snapshot", compacted: true, op: clearOp,
			faults:   []historyfiletest.Fault{F(historyfiletest.Remove, 1, crash)},
			snapshot: snap(1, 2), segments: segs(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "history")
			fsys := new(historyfiletest.FS)
			d, _, err := historyfile.Open(fsys, dir)
			require.NoError(t, err)
			defer d.Close()
			if !tt.fresh {
				require.NoError(t, d.Append(seg(1)))
				require.NoError(t, d.Append(seg(2)))
			}
			if tt.compacted {
				require.NoError(t, d.Compact(snap(1, 2)))
				require.NoError(t, d.Append(seg(3)))
			}

			fsys.Inject(tt.faults...)
			switch tt.op {
			case appendOp:
				err = d.Append(seg(9))
			case compactOp:
				err = d.Compact(snap(1, 2))
			case clearOp:
				err = d.Clear()
			}
			require.Error(t, err)
			if fsys.Crashed() {
				require.ErrorIs(t, err, historyfiletest.ErrCrashed)
			} else {
				require.ErrorIs(t, err, historyfiletest.ErrInjected)
				// The process lives on: the next append works unless the log is broken.
				err = d.Append(seg(10))
				if tt.broken {
					require.ErrorIs(t, err, historyfile.ErrBroken)
				} else {
					require.NoError(t, err)
				}
			}
			_ = d.Close()

			d2, c := reopen(t, dir)
			require.Equal(t, tt.snapshot, c.Snapshot, "snapshot")
			require.Equal(t, tt.segments, c.Segments, "segments")
			require.Equal(t, tt.torn, c.Torn > 0, "torn tail")
			require.Equal(t, tt.stale, c.Stale, "stale log")
			for _, name := range []string{historyfile.SnapshotFile + ".tmp", historyfile.LogFile + ".tmp"} {
				require.NoFileExists(t, filepath.Join(dir, name))
			}

			// Appends after the repair follow the last whole record.
			require.NoError(t, d2.Append(seg(11)))
			require.NoError(t, d2.Close())
			_, c = reopen(t, dir)
			require.Equal(t, append(tt.segments, seg(11)), c.Segments)
		})
	}
}

func TestDamage(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		damage   func(b []byte) []byte
		segments [][]byte
		torn     bool
		stale    bool
		corrupt  bool
	}{
		{name: "garbage after the last record", file: historyfile.LogFile,
			damage: func(b []byte) []byte { return append(b, 1, 2, 3) }, segments: segs(1, 2, 3), torn: true},
		{name: "last record's payload flipped", file: historyfile.LogFile,
			damage: func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, segments: segs(1, 2), torn: true},
		{name: "middle record's length flipped", file: historyfile.LogFile,
			damage:   func(b []byte) []byte { b[20+8+len(seg(1))] ^= 0x40; return b },
			segments: segs(1), torn: true},
		{name: "log header flipped", file: historyfile.LogFile,
			damage: func(b []byte) []byte { b[9] ^= 1; return b }, stale: true},
		{name: "snapshot payload flipped", file: historyfile.SnapshotFile,
			damage: func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, corrupt: true},
		{name: "snapshot cut short", file: historyfile.SnapshotFile,
			damage: func(b []byte) []byte { return b[:10] }, corrupt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			d, _ := reopen(t, dir)
			if tt.file == historyfile.SnapshotFile {
				require.NoError(t, d.Compact(snap(1)))
			} else {
				for i := 1; i <= 3; i++ {
					require.NoError(t, d.Append(seg(i)))
				}
			}
			require.NoError(t, d.Close())
			name := filepath.Join(dir, tt.file)
			b, err := os.ReadFile(name)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(name, tt.damage(b), 0o600))

			_, c, err := historyfile.Open(historyfile.OS{}, dir)
			if tt.corrupt {
				require.ErrorIs(t, err, historyfile.ErrCorrupt)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.segments, c.Segments)
			require.Equal(t, tt.torn, c.Torn > 0)
			require.Equal(t, tt.stale, c.Stale)
		})
	}
}
