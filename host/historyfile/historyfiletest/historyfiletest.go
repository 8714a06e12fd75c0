// Package historyfiletest provides a file system for historyfile that fails on purpose: short
// writes, failed syncs, renames and truncations, and crashes that stop every operation after
// them, leaving on disk what a dying process would.
package historyfiletest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/seminar-ranker/seminar/host/historyfile"
)

// Op is a kind of operation.
type Op int

// The operations a Fault can hit.
const (
	Write    Op = iota // a write to a file
	Sync               // a sync of a file
	SyncDir            // a sync of a directory
	Truncate           // a truncation
	Rename             // a rename
	Remove             // a removal
	numOps
)

func (o Op) String() string {
	return [...]string{"write", "sync", "sync directory", "truncate", "rename", "remove"}[o]
}

// Effect is what a Fault does.
type Effect int

const (
	// Fail makes the operation return an error. A write writes half its bytes first (a short
	// write); any other operation changes nothing.
	Fail Effect = iota
	// Crash stops the process during the operation: a write leaves half its bytes, any other
	// operation does nothing, and every later operation fails with ErrCrashed.
	Crash
)

// Fault is a failure of the Nth operation of kind Op (1 for the next one) after Inject.
type Fault struct {
	Op     Op
	N      int
	Effect Effect
}

func (f Fault) String() string {
	e := "fail"
	if f.Effect == Crash {
		e = "crash"
	}
	return fmt.Sprintf("%s at %s %d", e, f.Op, f.N)
}

// ErrInjected is the error of a Fail.
var ErrInjected = errors.New("historyfiletest: injected failure")

// ErrCrashed is the error of every operation from a Crash on.
var ErrCrashed = errors.New("historyfiletest: crashed")

// FS is historyfile.OS with injected faults. It is safe for concurrent use.
type FS struct {
	mu      sync.Mutex
	faults  []Fault
	count   [numOps]int
	crashed bool
}

// Inject arms faults, counting operations from now.
func (f *FS) Inject(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults, f.count = faults, [numOps]int{}
}

// Crashed reports whether a Crash has happened.
func (f *FS) Crashed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crashed
}

// hit counts an operation and returns the error of the fault it triggers, with now set when
// this operation is the one the fault hits (rather than one after a crash).
func (f *FS) hit(op Op) (now bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashed {
		return false, ErrCrashed
	}
	f.count[op]++
	for _, ft := range f.faults {
		if ft.Op == op && ft.N == f.count[op] {
			if ft.Effect == Crash {
				f.crashed = true
				return true, ErrCrashed
			}
			return true, ErrInjected
		}
	}
	return false, nil
}

// alive fails once crashed, for operations no fault targets.
func (f *FS) alive() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashed {
		return ErrCrashed
	}
	return nil
}

// MkdirAll calls os.MkdirAll.
func (f *FS) MkdirAll(dir string, perm fs.FileMode) error {
	if err := f.alive(); err != nil {
		return err
	}
	return os.MkdirAll(dir, perm)
}

// ReadFile calls os.ReadFile.
func (f *FS) ReadFile(name string) ([]byte, error) {
	if err := f.alive(); err != nil {
		return nil, err
	}
	return os.ReadFile(name)
}

// OpenFile calls os.OpenFile.
func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (historyfile.File, error) {
	if err := f.alive(); err != nil {
		return nil, err
	}
	file, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil {
		return nil, errors.Join(err, file.Close())
	}
	return &faultFile{fs: f, f: file, dir: st.IsDir()}, nil
}

// Rename calls os.Rename.
func (f *FS) Rename(oldpath, newpath string) error {
	if _, err := f.hit(Rename); err != nil {
		return err
	}
	return os.Rename(oldpath, newpath)
}

// Remove calls os.Remove.
func (f *FS) Remove(name string) error {
	if _, err := f.hit(Remove); err != nil {
		return err
	}
	return os.Remove(name)
}

type faultFile struct {
	fs  *FS
	f   *os.File
	dir bool
}

func (ff *faultFile) Write(b []byte) (int, error) {
	if now, err := ff.fs.hit(Write); err != nil {
		if !now {
			return 0, err
		}
		n, werr := ff.f.Write(b[:len(b)/2])
		return n, errors.Join(err, werr)
	}
	return ff.f.Write(b)
}

func (ff *faultFile) Sync() error {
	op := Sync
	if ff.dir {
		op = SyncDir
	}
	if _, err := ff.fs.hit(op); err != nil {
		return err
	}
	return ff.f.Sync()
}

func (ff *faultFile) Truncate(size int64) error {
	if _, err := ff.fs.hit(Truncate); err != nil {
		return err
	}
	return ff.f.Truncate(size)
}

// Close always closes the file: a crashed process's files are closed by its exit.
func (ff *faultFile) Close() error {
	err := ff.f.Close()
	if aerr := ff.fs.alive(); aerr != nil {
		return aerr
	}
	return err
}
