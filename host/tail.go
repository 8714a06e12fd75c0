package host

import (
	"io"
	"strings"
	"sync"
)

// tailSize bounds what an instance keeps of its module's stderr: a Go fatal error's first
// lines ("fatal error: out of memory", the goroutine that hit it) fit well within it.
const tailSize = 4 << 10

// tail keeps the first tailSize bytes the module wrote to stderr since the last reset, and
// passes everything on to an optional writer. A nil *tail keeps nothing.
type tail struct {
	mu   sync.Mutex
	buf  []byte
	next io.Writer
}

func newTail(next io.Writer) *tail { return &tail{buf: make([]byte, 0, tailSize), next: next} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	n := min(len(p), tailSize-len(t.buf))
	t.buf = append(t.buf, p[:n]...)
	t.mu.Unlock()
	if t.next != nil {
		return t.next.Write(p)
	}
	return len(p), nil
}

// Reset forgets what was written.
func (t *tail) Reset() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.buf = t.buf[:0]
	t.mu.Unlock()
}

// String returns what was kept, trimmed, on one line.
func (t *tail) String() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(strings.Fields(string(t.buf)), " ")
}

// Cause returns the Go runtime's account of a fatal error, on one line: what it wrote before
// the goroutine dumps that follow.
func (t *tail) Cause() string {
	s := t.String()
	if i := strings.Index(s, " goroutine "); i >= 0 {
		s = s[:i]
	}
	return s
}
