package timing

import (
	"math"
	"slices"
	"time"
)

// Quantile returns the q-quantile of xs by the nearest-rank method (the median of an even count
// is the lower middle value); 0 for none. xs is left as it was.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.999999)
	return s[min(max(rank, 1), len(s))-1]
}

const (
	// Rounds is how many batches of each call Interleaved times.
	Rounds           = 15
	minBatchDuration = 10 * time.Millisecond
)

// Interleaved times each of fs, which are compared with one another: each runs in batches of n
// calls (n doubled until a batch lasts 10 ms), the batches of all fs taking turns for Rounds
// rounds, and each gets its lowest mean time per call. Interleaving exposes every f to the same
// disturbances of a shared machine, and the minimum is the least disturbed.
func Interleaved(fs []func() error) ([]time.Duration, error) {
	sizes := make([]int, len(fs))
	for i, f := range fs {
		for range 3 {
			if err := f(); err != nil {
				return nil, err
			}
		}
		sizes[i] = 1
		for {
			took, err := batch(f, sizes[i])
			if err != nil {
				return nil, err
			}
			if took >= minBatchDuration {
				break
			}
			sizes[i] *= 2
		}
	}
	best := make([]time.Duration, len(fs))
	for i := range best {
		best[i] = math.MaxInt64
	}
	for range Rounds {
		for i, f := range fs {
			took, err := batch(f, sizes[i])
			if err != nil {
				return nil, err
			}
			best[i] = min(best[i], took/time.Duration(sizes[i]))
		}
	}
	return best, nil
}

// batch runs f n times and returns how long that took.
func batch(f func() error, n int) (time.Duration, error) {
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// Micros is d in microseconds.
func Micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
