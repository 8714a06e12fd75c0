package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// PoolOptions configure a Pool.
type PoolOptions struct {
	// Size bounds the number of instances; 0 means runtime.GOMAXPROCS(0).
	Size int
	// Setup, if set, runs on every new instance before its first use: it gives the instance
	// its state (a model, events), including an instance made to replace a broken one.
	Setup func(ctx context.Context, inst *Instance) error
}

// Pool shares up to Size instances of a Runtime between goroutines. It is safe for
// concurrent use. Instances are made lazily; one that is broken when it comes back (a trap,
// a cancelled call, an internal error) is closed, and a new one is made when needed.
type Pool struct {
	rt    *Runtime
	setup func(context.Context, *Instance) error
	slots chan struct{} // one token per instance in use or being made

	mu     sync.Mutex
	idle   []*Instance
	closed bool
}

// NewPool returns an empty pool over rt.
func NewPool(rt *Runtime, opts PoolOptions) (*Pool, error) {
	size := opts.Size
	if size == 0 {
		size = runtime.GOMAXPROCS(0)
	}
	if size < 0 {
		return nil, fmt.Errorf("host: pool size %d", size)
	}
	return &Pool{rt: rt, setup: opts.Setup, slots: make(chan struct{}, size)}, nil
}

// Get returns an instance for the caller's exclusive use, waiting while Size are in use.
// Return it with Put.
func (p *Pool) Get(ctx context.Context) (*Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("host: pool: %w", err)
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("host: pool: %w", ctx.Err())
	}
	inst, err := p.take(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return inst, nil
}

// take returns a usable idle instance or makes one; the caller holds a slot.
func (p *Pool) take(ctx context.Context) (*Instance, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return p.make(ctx)
		}
		inst := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if inst.Err() == nil {
			return inst, nil
		}
		_ = inst.Close(ctx) // broken while idle (its runtime was closed): replace it
	}
}

func (p *Pool) make(ctx context.Context) (*Instance, error) {
	inst, err := p.rt.NewInstance(ctx)
	if err != nil {
		return nil, err
	}
	if p.setup != nil {
		if err := p.setup(ctx, inst); err != nil {
			return nil, errors.Join(fmt.Errorf("host: pool setup: %w", err), inst.Close(ctx))
		}
	}
	return inst, nil
}

// Put returns an instance taken with Get. A broken instance is closed instead of kept.
func (p *Pool) Put(inst *Instance) {
	p.mu.Lock()
	keep := !p.closed && inst.Err() == nil
	if keep {
		p.idle = append(p.idle, inst)
	}
	p.mu.Unlock()
	if !keep {
		// Closing frees memory only; there is nothing a caller could do about its error.
		_ = inst.Close(context.Background())
	}
	<-p.slots
}

// Do runs fn with an instance from the pool. If fn panics, the instance is discarded (it may
// be in the middle of a call) and the panic continues.
func (p *Pool) Do(ctx context.Context, fn func(*Instance) error) error {
	inst, err := p.Get(ctx)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			inst.broke("pool", errors.New("abandoned by a caller that panicked"))
		}
		p.Put(inst)
	}()
	err = fn(inst)
	done = true
	return err
}

// Close closes the idle instances; instances in use are closed when they are put back. Close
// does not close the Runtime.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.closed = true
	p.mu.Unlock()
	var errs []error
	for _, inst := range idle {
		errs = append(errs, inst.Close(ctx))
	}
	return errors.Join(errs...)
}
