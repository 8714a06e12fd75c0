package host

import (
	"context"
	"errors"
	"time"
)

// errCancelledAtClock is what an instance's clock panics with when its call's context is done;
// wazero turns the panic into the call's error, which the instance replaces with the context's.
var errCancelledAtClock = errors.New("context done at a clock read")

// callClock is an instance's monotonic clock under CancelAtClock: every read first polls the
// context of the call in progress, and traps the call when it is done. wazero reads it on the
// goroutine that makes the call, so it needs no lock.
type callClock struct {
	start time.Time
	done  <-chan struct{} // of the call in progress; nil between calls and for contexts never done
}

// enter starts a call under ctx; a nil clock ignores it.
func (c *callClock) enter(ctx context.Context) {
	if c != nil {
		c.done = ctx.Done()
	}
}

// leave ends the call.
func (c *callClock) leave() {
	if c != nil {
		c.done = nil
	}
}

func (c *callClock) nanotime() int64 {
	if c.done != nil {
		select {
		case <-c.done:
			panic(errCancelledAtClock)
		default:
		}
	}
	return int64(time.Since(c.start))
}
