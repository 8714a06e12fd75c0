package autodiff

import (
	"errors"
	"runtime"
	"strconv"
	"sync"
)

// Example records the loss of example i of a mini-batch on t and returns it (1×1). DataParallel
// calls it concurrently on different tapes: it may read shared state (params, data) but not
// write it.
type Example func(t *Tape, i int) (Var, error)

// DataParallel computes the gradient of a mini-batch's mean loss on several workers, each with
// its own Tape and Grads, and sums the workers' gradients in a fixed order.
//
// Example i of n always goes to worker ⌊i·W/n⌋ (contiguous blocks), each worker runs its
// examples in order, and the gradients are reduced as ((g₀ + g₁) + g₂) + …, so a step is
// bit-identical from run to run whatever the scheduling. Different worker counts group the
// float32 sums differently, so they agree to rounding only.
type DataParallel struct {
	params  *Params
	workers []worker
}

type worker struct {
	tape  *Tape
	grads *Grads
	loss  float64
	err   error
}

// NewDataParallel prepares workers for params (runtime.GOMAXPROCS(0) workers when workers ≤ 0).
func NewDataParallel(params *Params, workers int) (*DataParallel, error) {
	if params == nil {
		return nil, errors.New("autodiff: data-parallel step over nil params")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	d := &DataParallel{params: params, workers: make([]worker, workers)}
	for i := range d.workers {
		g := params.NewGrads()
		d.workers[i] = worker{tape: NewTape(g), grads: g}
	}
	return d, nil
}

// Workers is the number of workers.
func (d *DataParallel) Workers() int { return len(d.workers) }

// Step runs example for i in [0, n) and returns the mean loss and the gradient of the mean loss.
// The gradients are d's own and valid until the next Step. An example's error stops its worker
// and is returned (the first by example index) once every worker is done.
func (d *DataParallel) Step(n int, example Example) (loss float64, grads *Grads, err error) {
	if n <= 0 {
		return 0, nil, errors.New("autodiff: data-parallel step over " + strconv.Itoa(n) + " examples")
	}
	w := len(d.workers)
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		wg.Go(func() { d.workers[k].run(k*n/w, (k+1)*n/w, example) })
	}
	d.workers[0].run(0, n/w, example)
	wg.Wait()

	total := d.workers[0].grads
	for k := range d.workers {
		wk := &d.workers[k]
		if wk.err != nil {
			return 0, nil, wk.err
		}
		if k > 0 {
			if err := total.Add(wk.grads); err != nil {
				return 0, nil, err
			}
		}
		loss += wk.loss
	}
	total.Scale(1 / float32(n))
	return loss / float64(n), total, nil
}

// run accumulates the gradients of examples [from, to) into the worker's Grads.
func (wk *worker) run(from, to int, example Example) {
	wk.grads.Zero()
	wk.loss, wk.err = 0, nil
	for i := from; i < to; i++ {
		wk.tape.Reset()
		v, err := example(wk.tape, i)
		if err == nil {
			wk.loss += float64(wk.tape.Scalar(v))
			err = wk.tape.Backward(v)
		}
		if err != nil {
			wk.err = &ExampleError{Index: i, Err: err}
			return
		}
	}
}

// ExampleError is the error of one example of a data-parallel step.
type ExampleError struct {
	Index int
	Err   error
}

func (e *ExampleError) Error() string {
	return "autodiff: example " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

func (e *ExampleError) Unwrap() error { return e.Err }
