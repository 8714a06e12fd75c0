package historyfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

// Version is the on-disk format's version, written in every header.
const Version = 1

// File names inside the history directory.
const (
	SnapshotFile = "snapshot"
	LogFile      = "log"
	tmpSuffix    = ".tmp"
)

const (
	snapshotMagic = "SMHS"
	logMagic      = "SMHL"
	headerLen     = 20
	recordHeader  = 8
	maxPayload    = 1<<32 - 1
)

// ErrCorrupt reports a snapshot file that does not read back: a damaged header or record.
// Appends never rewrite the snapshot, so this is damage from outside; the history is lost.
var ErrCorrupt = errors.New("historyfile: corrupt snapshot")

// ErrBroken reports a Dir whose log could not be restored after a failed append: the file may
// end in a partial record. Close it and Open the directory again, which drops that record.
var ErrBroken = errors.New("historyfile: the log could not be repaired after a failed write; reopen the history")

// Contents is the history Open found.
type Contents struct {
	// Snapshot is the snapshot's payload, nil when there is none.
	Snapshot []byte
	// Segments are the log's payloads after the snapshot, oldest first.
	Segments [][]byte
	// Torn is the number of bytes dropped from the end of the log: a record cut short by a
	// crash, or one whose checksum failed, and whatever followed it.
	Torn int64
	// Stale reports that a log of another generation was found and removed: the trace of a
	// compaction interrupted after its snapshot was in place.
	Stale bool
}

// Dir is a history directory open for appending. It is not safe for concurrent use, and one
// directory must be open in one Dir at a time.
type Dir struct {
	fsys FS
	dir  string
	gen  uint64 // the snapshot's generation; 0 without a snapshot
	log  File   // open for appending; nil until the first append of this generation
	size int64  // bytes of the log, header included
	recs int    // records in the log
	snap int64  // bytes of the snapshot payload
	bad  bool   // a failed append could not be undone
}

// Open reads the history in dir, creating the directory if it is missing, and returns it
// open for appending. It removes what interrupted writes left (temporary files, a stale log)
// and truncates a torn log tail, so that later appends follow the last whole record.
func Open(fsys FS, dir string) (*Dir, *Contents, error) {
	if err := fsys.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("historyfile: %w", err)
	}
	d := &Dir{fsys: fsys, dir: dir}
	for _, name := range []string{SnapshotFile + tmpSuffix, LogFile + tmpSuffix} {
		if err := d.remove(name); err != nil {
			return nil, nil, err
		}
	}
	c := new(Contents)
	snap, err := fsys.ReadFile(d.path(SnapshotFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, nil, fmt.Errorf("historyfile: %w", err)
	default:
		gen, recs, rest, err := parse(snap, snapshotMagic)
		if err != nil || len(recs) != 1 || len(rest) != 0 {
			if err == nil {
				err = fmt.Errorf("%d records and %d stray bytes, want 1 record", len(recs), len(rest))
			}
			return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		d.gen, c.Snapshot, d.snap = gen, recs[0], int64(len(recs[0]))
	}

	log, err := fsys.ReadFile(d.path(LogFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, c, nil
	case err != nil:
		return nil, nil, fmt.Errorf("historyfile: %w", err)
	}
	gen, recs, rest, err := parse(log, logMagic)
	if err != nil || gen != d.gen {
		// A log of another generation holds nothing the snapshot lacks. One whose header does
		// not read cannot be matched to the snapshot at all: a new log's header is synced
		// before it is put in place, so this is outside damage, and its records go with it.
		c.Stale = true
		if err := d.remove(LogFile); err != nil {
			return nil, nil, err
		}
		return d, c, d.syncDir()
	}
	c.Segments, c.Torn = recs, int64(len(rest))
	f, err := fsys.OpenFile(d.path(LogFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("historyfile: %w", err)
	}
	d.log, d.size, d.recs = f, int64(len(log)-len(rest)), len(recs)
	if c.Torn > 0 {
		if err := errors.Join(f.Truncate(d.size), f.Sync()); err != nil {
			return nil, nil, fmt.Errorf("historyfile: drop torn tail: %w", errors.Join(err, f.Close()))
		}
	}
	return d, c, nil
}

// parse reads a file's header and its whole records; rest is what follows the last whole
// record whose checksum holds.
func parse(b []byte, magic string) (gen uint64, recs [][]byte, rest []byte, err error) {
	if len(b) < headerLen {
		return 0, nil, nil, fmt.Errorf("%d bytes, shorter than a header", len(b))
	}
	h := b[:headerLen]
	switch {
	case crc32.ChecksumIEEE(h[:16]) != binary.LittleEndian.Uint32(h[16:]):
		return 0, nil, nil, errors.New("header checksum mismatch")
	case string(h[:4]) != magic:
		return 0, nil, nil, fmt.Errorf("magic %q, want %q", h[:4], magic)
	case h[4] != Version:
		return 0, nil, nil, fmt.Errorf("format version %d, this package reads %d", h[4], Version)
	}
	gen = binary.LittleEndian.Uint64(h[8:])
	b = b[headerLen:]
	for len(b) >= recordHeader {
		n := uint64(binary.LittleEndian.Uint32(b))
		if n == 0 || n > uint64(len(b)-recordHeader) {
			break
		}
		p := b[recordHeader : recordHeader+n]
		if crc32.ChecksumIEEE(p) != binary.LittleEndian.Uint32(b[4:]) {
			break
		}
		recs = append(recs, p)
		b = b[recordHeader+n:]
	}
	return gen, recs, b, nil
}

func header(magic string, gen uint64) []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, magic...)
	b = append(b, Version, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, gen)
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func appendRecord(b, payload []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(payload))
	return append(b, payload...)
}

func checkPayload(p []byte) error {
	if len(p) == 0 || uint64(len(p)) > maxPayload {
		return fmt.Errorf("historyfile: a record of %d bytes; want 1 to %d", len(p), uint64(maxPayload))
	}
	return nil
}

// Append adds a segment at the end of the log and returns once it is on stable storage. On
// error the log is as it was before the call, or the Dir reports ErrBroken from then on.
func (d *Dir) Append(segment []byte) error {
	if err := checkPayload(segment); err != nil {
		return err
	}
	if d.bad {
		return ErrBroken
	}
	if d.log == nil {
		if err := d.createLog(); err != nil {
			return err
		}
	}
	rec := appendRecord(make([]byte, 0, recordHeader+len(segment)), segment)
	n, err := d.log.Write(rec)
	if err == nil && n != len(rec) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(rec))
	}
	if err == nil {
		err = d.log.Sync()
	}
	if err != nil {
		// Take the record back, synced, so that a failed append is not found on reopening
		// (after a failed fsync the kernel may still write the pages out later).
		if terr := errors.Join(d.log.Truncate(d.size), d.log.Sync()); terr != nil {
			d.bad = true
			return fmt.Errorf("historyfile: append: %w", errors.Join(err, terr, ErrBroken))
		}
		return fmt.Errorf("historyfile: append: %w", err)
	}
	d.size += int64(len(rec))
	d.recs++
	return nil
}

// createLog makes an empty log of the current generation, atomically, and opens it.
func (d *Dir) createLog() error {
	f, err := d.writeTemp(LogFile, header(logMagic, d.gen))
	if err != nil {
		return err
	}
	if err := d.install(LogFile); err != nil {
		return errors.Join(err, f.Close())
	}
	d.log, d.size, d.recs = f, headerLen, 0
	return nil
}

// writeTemp writes b to name.tmp and syncs it; the file stays open for appending.
func (d *Dir) writeTemp(name string, b []byte) (File, error) {
	tmp := d.path(name + tmpSuffix)
	f, err := d.fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("historyfile: %w", err)
	}
	n, err := f.Write(b)
	if err == nil && n != len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return nil, fmt.Errorf("historyfile: write %s: %w", name, errors.Join(err, f.Close(), d.fsys.Remove(tmp)))
	}
	return f, nil
}

// install renames name.tmp over name and syncs the directory, so that the rename survives a
// crash.
func (d *Dir) install(name string) error {
	tmp := d.path(name + tmpSuffix)
	if err := d.fsys.Rename(tmp, d.path(name)); err != nil {
		return fmt.Errorf("historyfile: %w", errors.Join(err, d.fsys.Remove(tmp)))
	}
	return d.syncDir()
}

// Compact replaces the history with one snapshot, which must hold everything the current
// snapshot and log hold (the module's store_bytes after loading them), and empties the log.
// On error the history on disk is either the old one or the new one; both hold the same
// events, so appending may go on.
func (d *Dir) Compact(snapshot []byte) error {
	if err := checkPayload(snapshot); err != nil {
		return err
	}
	gen := d.gen + 1
	f, err := d.writeTemp(SnapshotFile, appendRecord(header(snapshotMagic, gen), snapshot))
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("historyfile: write %s: %w", SnapshotFile, errors.Join(err, d.fsys.Remove(d.path(SnapshotFile+tmpSuffix))))
	}
	if err := d.fsys.Rename(d.path(SnapshotFile+tmpSuffix), d.path(SnapshotFile)); err != nil {
		return fmt.Errorf("historyfile: %w", errors.Join(err, d.fsys.Remove(d.path(SnapshotFile+tmpSuffix))))
	}
	// From here the new snapshot is in place and the old log stale, synced or not: a crash
	// leaves the old pair or the new snapshot, the same events either way.
	d.gen, d.snap = gen, int64(len(snapshot))
	return errors.Join(d.dropLog(), d.syncDir())
}

// dropLog closes and removes the log.
func (d *Dir) dropLog() error {
	var err error
	if d.log != nil {
		err = d.log.Close()
	}
	d.log, d.size, d.recs, d.bad = nil, 0, 0, false
	return errors.Join(err, d.remove(LogFile))
}

// Clear deletes the history. The snapshot goes first: without it a log of a later generation
// is stale, so a crash between the two removals leaves an empty history, not a log alone.
func (d *Dir) Clear() error {
	if d.gen == 0 {
		return errors.Join(d.dropLog(), d.syncDir())
	}
	if err := d.remove(SnapshotFile); err != nil {
		return err
	}
	if err := d.syncDir(); err != nil {
		return err
	}
	d.gen, d.snap = 0, 0
	return errors.Join(d.dropLog(), d.syncDir())
}

// Close closes the log. The history stays on disk.
func (d *Dir) Close() error {
	if d.log == nil {
		return nil
	}
	err := d.log.Close()
	d.log = nil
	if err != nil {
		return fmt.Errorf("historyfile: %w", err)
	}
	return nil
}

// Segments returns the number of records in the log.
func (d *Dir) Segments() int { return d.recs }

// LogBytes returns the size of the log file, 0 when there is none.
func (d *Dir) LogBytes() int64 { return d.size }

// SnapshotBytes returns the size of the snapshot's payload, 0 when there is none.
func (d *Dir) SnapshotBytes() int64 { return d.snap }

func (d *Dir) path(name string) string { return filepath.Join(d.dir, name) }

// remove removes a file of the directory; a missing one is not an error.
func (d *Dir) remove(name string) error {
	if err := d.fsys.Remove(d.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("historyfile: %w", err)
	}
	return nil
}

// syncDir makes the directory's entries (creations, renames, removals) durable.
func (d *Dir) syncDir() error {
	f, err := d.fsys.OpenFile(d.dir, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("historyfile: sync directory: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("historyfile: sync directory: %w", err)
	}
	return nil
}
