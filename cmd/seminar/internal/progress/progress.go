package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/seminar-ranker/seminar/core/eval/suite"
)

// DefaultInterval is how often a Reporter that does not draw bars prints a line.
const DefaultInterval = 5 * time.Second

// Reporter shows one stage of progress at a time, with its rate and running loss. Its methods
// are safe for concurrent use; a nil Reporter shows nothing.
type Reporter struct {
	mu       sync.Mutex
	w        io.Writer
	interval time.Duration // of plain lines; 0 draws bars instead
	now      func() time.Time

	stage     string
	bar       *progressbar.ProgressBar
	start     time.Time      // of the stage
	startDone int            // the count at the stage's first update, from which the rate counts
	printed   time.Time      // when the last plain line was written
	last      suite.Progress // the latest update of the stage
	lastAt    time.Time      // and when it came
	pending   bool           // whether last has not been printed
}

// New returns a Reporter writing to w: bars when w is a terminal, plain lines every
// DefaultInterval otherwise; nil when quiet.
func New(w io.Writer, quiet bool) *Reporter {
	if quiet {
		return nil
	}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		return &Reporter{w: w, now: time.Now}
	}
	return NewPlain(w, DefaultInterval)
}

// NewPlain returns a Reporter that writes a plain line to w at a stage's first update, then at
// most once per interval, and at its end.
func NewPlain(w io.Writer, interval time.Duration) *Reporter {
	return &Reporter{w: w, interval: max(interval, time.Nanosecond), now: time.Now}
}

// Update records p; a new stage ends the previous one.
func (r *Reporter) Update(p suite.Progress) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if p.Stage != r.stage || r.start.IsZero() {
		r.finishLocked(now)
		r.stage, r.start, r.startDone, r.printed = p.Stage, now, p.Done, time.Time{}
		if r.interval == 0 {
			r.bar = newBar(r.w, p)
		}
	}
	if r.bar != nil {
		if p.Loss != 0 {
			r.bar.Describe(fmt.Sprintf("%s loss %.4f", p.Stage, p.Loss))
		}
		_ = r.bar.Set(p.Done)
		return
	}
	r.last, r.lastAt, r.pending = p, now, true
	if r.printed.IsZero() || now.Sub(r.printed) >= r.interval || p.Done >= p.Total {
		r.printLocked(now)
	}
}

// Finish ends the current stage: the bar is completed, or the stage's latest count printed.
// Call it before writing other output to the same writer.
func (r *Reporter) Finish() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finishLocked(r.now())
}

// Note ends the current stage and writes msg on a line of its own.
func (r *Reporter) Note(msg string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finishLocked(r.now())
	fmt.Fprintln(r.w, msg)
}

func (r *Reporter) finishLocked(now time.Time) {
	if r.bar != nil {
		_ = r.bar.Finish()
		fmt.Fprintln(r.w)
		r.bar = nil
	}
	if r.pending {
		r.printLocked(now)
	}
	r.stage, r.start = "", time.Time{}
}

// printLocked writes the latest update as one line at now: stage, count of total, rate, loss.
func (r *Reporter) printLocked(now time.Time) {
	p := r.last
	line := fmt.Sprintf("%s: %d/%d %s", p.Stage, p.Done, p.Total, p.Unit)
	if secs := r.lastAt.Sub(r.start).Seconds(); secs > 0 {
		line += fmt.Sprintf(", %.1f %s/s", float64(p.Done-r.startDone)/secs, p.Unit)
	}
	if p.Loss != 0 {
		line += fmt.Sprintf(", loss %.4f", p.Loss)
	}
	fmt.Fprintln(r.w, line)
	r.printed, r.pending = now, false
}

func newBar(w io.Writer, p suite.Progress) *progressbar.ProgressBar {
	return progressbar.NewOptions(p.Total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(p.Stage),
		progressbar.OptionSetItsString(p.Unit),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
	)
}
