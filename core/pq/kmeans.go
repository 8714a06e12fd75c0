package pq

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
)

// Defaults that KMeansOptions' zero fields select.
const (
	DefaultMaxIter   = 25
	DefaultTol       = 1e-4
	DefaultBatchSize = 4096
	// MiniBatchFactor sets the switch-over to mini-batch k-means: it runs when
	// n ≥ MiniBatchFactor·BatchSize. Below that a full Lloyd pass costs at most a few
	// mini-batches and converges to better optima.
	MiniBatchFactor = 4
)

const (
	// miniBatchPatience is how many consecutive mini-batches may fail to lower the smoothed
	// batch error by the relative tolerance before mini-batch training stops.
	miniBatchPatience = 10
	// cancelCheckPoints is how many points an assignment pass handles between context checks.
	cancelCheckPoints = 1024
	// pcgStream is the second PCG seed word; the caller's seed is the first.
	pcgStream = 0x5345_4d49_4e41_5221
)

// KMeansOptions controls KMeans and codebook training. The zero value selects the defaults.
type KMeansOptions struct {
	// Seed makes initialisation and sampling deterministic: equal seeds and inputs give equal
	// centroids.
	Seed uint64
	// MaxIter bounds the Lloyd iterations, or the mini-batch epochs (passes' worth of sampled
	// points). 0 selects DefaultMaxIter.
	MaxIter int
	// Tol stops Lloyd iterations once an iteration moves the centroids by a total squared
	// distance of at most Tol times the data's variance averaged over dimensions. Mini-batch
	// training stops once the batch error, exponentially smoothed, has failed to fall below
	// (1−Tol) times its best value for 10 batches in a row. 0 selects DefaultTol; a negative
	// value disables early stopping.
	Tol float64
	// BatchSize is the number of points sampled per mini-batch update. Mini-batch k-means runs
	// when n ≥ MiniBatchFactor·BatchSize, full Lloyd iterations otherwise. 0 selects
	// DefaultBatchSize; a negative value always selects Lloyd.
	BatchSize int
}

func (o KMeansOptions) withDefaults() KMeansOptions {
	if o.MaxIter <= 0 {
		o.MaxIter = DefaultMaxIter
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	return o
}

// KMeans clusters the n points of data (row-major, n×dim) into k clusters and returns the k×dim
// centroids, row-major.
//
// Initialisation is k-means++ (D² sampling) driven by a PCG generator seeded from opts.Seed.
// Training then runs Lloyd iterations, with Hamerly's distance bounds to skip the search for
// points that cannot have changed cluster. When n ≥ MiniBatchFactor·opts.BatchSize it runs
// mini-batch updates instead (each centroid moves to the running mean of all points ever
// assigned to it) over uniformly sampled batches, seeded by k-means++ on a sample of the data and
// finished by one full Lloyd iteration.
//
// A cluster left empty by an assignment pass is re-seeded with the point farthest from its own
// centroid among clusters that keep at least one other point. So every returned centroid is
// the mean of a non-empty set of training points.
//
// KMeans needs n ≥ k (ErrTooFewPoints otherwise) and values within ±MaxMagnitude (ErrBadValue).
// It checks ctx between iterations and every 1024 points, and stops with its error.
func KMeans(ctx context.Context, data []float32, n, dim, k int, opts KMeansOptions) ([]float32, error) {
	centroids, _, err := kmeans(ctx, data, n, dim, k, opts)
	if err != nil {
		return nil, wrap(err, "pq: k-means")
	}
	return centroids, nil
}

// kmeansStats records what a training run did, for tests.
type kmeansStats struct {
	iterations int // Lloyd iterations, or mini-batch steps plus the final Lloyd iteration
	miniBatch  bool
	repaired   int // clusters re-seeded because they were empty
}

func kmeans(ctx context.Context, data []float32, n, dim, k int, opts KMeansOptions) ([]float32, kmeansStats, error) {
	if err := checkTrainingSet(data, n, dim, k); err != nil {
		return nil, kmeansStats{}, err
	}
	opts = opts.withDefaults()
	rng := rand.New(rand.NewPCG(opts.Seed, pcgStream))
	if opts.BatchSize > 0 && n >= MiniBatchFactor*opts.BatchSize {
		return miniBatchKMeans(ctx, data, n, dim, k, opts, rng)
	}
	centroids, err := kmeansPlusPlus(ctx, data, n, dim, k, rng)
	if err != nil {
		return nil, kmeansStats{}, err
	}
	stats, err := lloyd(ctx, data, n, dim, k, centroids, opts.MaxIter, opts.Tol)
	if err != nil {
		return nil, stats, err
	}
	return centroids, stats, nil
}

func checkTrainingSet(data []float32, n, dim, k int) error {
	switch {
	case n <= 0 || dim <= 0 || k <= 0:
		return errors.New("n = " + itoa(n) + ", dim = " + itoa(dim) + ", k = " + itoa(k) + ": all must be positive")
	case n > len(data)/dim || len(data) != n*dim:
		return errors.New("data has " + itoa(len(data)) + " values, want n·dim = " + itoa(n) + "·" + itoa(dim))
	case n < k:
		return wrap(ErrTooFewPoints, itoa(n)+" points for "+itoa(k)+" centroids")
	}
	return checkValues(data, "data")
}

// kmeansPlusPlus picks k of the n points by D² sampling: each next centroid is a point drawn
// with probability proportional to its squared distance to the nearest centroid so far.
func kmeansPlusPlus(ctx context.Context, data []float32, n, dim, k int, rng *rand.Rand) ([]float32, error) {
	centroids := make([]float32, k*dim)
	first := rng.IntN(n)
	copy(centroids[:dim], data[first*dim:first*dim+dim])
	d2 := make([]float64, n)
	for i := range d2 {
		_, d := nearest(data[i*dim:i*dim+dim], centroids[:dim], 1)
		d2[i] = float64(d)
	}
	for j := 1; j < k; j++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := centroids[j*dim : j*dim+dim]
		pick := samplePoint(d2, rng)
		copy(c, data[pick*dim:pick*dim+dim])
		for i := range d2 {
			if _, d := nearest(data[i*dim:i*dim+dim], c, 1); float64(d) < d2[i] {
				d2[i] = float64(d)
			}
		}
	}
	return centroids, nil
}

// samplePoint draws an index with probability proportional to its weight, or uniformly when all
// weights are zero (every point already coincides with a centroid).
func samplePoint(weights []float64, rng *rand.Rand) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		return rng.IntN(len(weights))
	}
	r := rng.Float64() * total
	last := 0
	for i, w := range weights {
		if w == 0 {
			continue
		}
		if r -= w; r < 0 {
			return i
		}
		last = i
	}
	// Rounding left r just above zero: the draw belongs to the last weighted point.
	return last
}

// lloyd refines centroids in place by up to maxIter Lloyd iterations (assign every point, repair
// empty clusters, move each centroid to its cluster's mean). Assignment after the first pass is
// Hamerly's: a point keeps its centroid without a search while an upper bound on its distance to
// it stays below both a lower bound on its distance to any other centroid and half the gap from
// its centroid to the nearest other one. The bounds follow the centroids' movements, so late
// iterations, where few points move, cost little more than the mean update.
func lloyd(ctx context.Context, data []float32, n, dim, k int, centroids []float32, maxIter int, tol float64) (kmeansStats, error) {
	stats := kmeansStats{iterations: 1}
	threshold := -1.0
	if tol >= 0 {
		threshold = tol * meanVariance(data, n, dim)
	}
	assign := make([]int32, n)
	upper := make([]float32, n) // at least the distance to the own centroid
	lower := make([]float32, n) // at most the distance to any other centroid
	counts := make([]int, k)
	sums := make([]float64, k*dim)
	prev := make([]float32, k*dim)
	shift := make([]float32, k)
	half := make([]float32, k)
	var dist []float32
	for i := range assign {
		if i%cancelCheckPoints == 0 {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
		}
		j, d1, d2 := nearest2(data[i*dim:i*dim+dim], centroids, k)
		assign[i], upper[i], lower[i] = int32(j), sqrt32(d1), sqrt32(d2)
		counts[j]++
	}
	changed := n
	for it := 1; ; it++ {
		copy(prev, centroids)
		repaired := 0
		if slices.Contains(counts, 0) {
			if dist == nil {
				dist = make([]float32, n)
			}
			for i, a := range assign {
				dist[i] = sqDist(data[i*dim:i*dim+dim], centroids[int(a)*dim:int(a)*dim+dim])
			}
			repaired = repairEmpty(data, dim, k, centroids, assign, dist, counts)
			stats.repaired += repaired
			for i, d := range dist {
				upper[i] = sqrt32(d)
				if d == 0 {
					lower[i] = 0 // possibly a point moved into a repaired cluster
				}
			}
		}
		if changed == 0 && repaired == 0 {
			break // a fixed point: the means would not move
		}
		updateMeans(data, dim, k, centroids, assign, counts, sums)
		moved := centroidShifts(prev, centroids, dim, shift)
		if it >= maxIter || moved <= threshold {
			break
		}

		maxShift, nextShift, argMax := float32(0), float32(0), -1
		for j, s := range shift {
			if s > maxShift {
				maxShift, nextShift, argMax = s, maxShift, j
			} else if s > nextShift {
				nextShift = s
			}
		}
		for i, a := range assign {
			upper[i] += shift[a]
			if int(a) == argMax {
				lower[i] -= nextShift
			} else {
				lower[i] -= maxShift
			}
		}
		halfGaps(centroids, dim, k, half)

		stats.iterations++
		changed = 0
		for i, a := range assign {
			if i%cancelCheckPoints == 0 {
				if err := ctx.Err(); err != nil {
					return stats, err
				}
			}
			bound := max(half[a], lower[i])
			if upper[i] <= bound {
				continue
			}
			p := data[i*dim : i*dim+dim]
			upper[i] = sqrt32(sqDist(p, centroids[int(a)*dim:int(a)*dim+dim]))
			if upper[i] <= bound {
				continue
			}
			j, d1, d2 := nearest2(p, centroids, k)
			upper[i], lower[i] = sqrt32(d1), sqrt32(d2)
			if int32(j) != a {
				assign[i] = int32(j)
				counts[a]--
				counts[j]++
				changed++
			}
		}
	}
	return stats, nil
}

// meanVariance is the variance of the data's components averaged over dimensions.
func meanVariance(data []float32, n, dim int) float64 {
	var total float64
	for t := range dim {
		var sum, sumSq float64
		for i := range n {
			x := float64(data[i*dim+t])
			sum += x
			sumSq += x * x
		}
		mean := sum / float64(n)
		total += max(0, sumSq/float64(n)-mean*mean)
	}
	return total / float64(dim)
}

// centroidShifts sets shift[j] to the distance centroid j moved from prev and returns the sum
// of the squared distances.
func centroidShifts(prev, centroids []float32, dim int, shift []float32) float64 {
	var total float64
	for j := range shift {
		d := sqDist(prev[j*dim:j*dim+dim], centroids[j*dim:j*dim+dim])
		shift[j] = sqrt32(d)
		total += float64(d)
	}
	return total
}

// halfGaps sets half[j] to half the distance from centroid j to its nearest other centroid: a
// point closer than that to centroid j has no nearer one.
func halfGaps(centroids []float32, dim, k int, half []float32) {
	for j := range half {
		half[j] = float32(math.Inf(1))
	}
	for j := range k {
		cj := centroids[j*dim : j*dim+dim]
		for l := j + 1; l < k; l++ {
			g := 0.5 * sqrt32(sqDist(cj, centroids[l*dim:l*dim+dim]))
			half[j] = min(half[j], g)
			half[l] = min(half[l], g)
		}
	}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// repairEmpty re-seeds every empty cluster with the point farthest from its centroid among the
// clusters of two or more points, moves that point into it, and returns how many it re-seeded.
func repairEmpty(data []float32, dim, k int, centroids []float32, assign []int32, dist []float32, counts []int) int {
	repaired := 0
	for j := range k {
		if counts[j] > 0 {
			continue
		}
		far := -1
		for i, d := range dist {
			if counts[assign[i]] > 1 && (far < 0 || d > dist[far]) {
				far = i
			}
		}
		if far < 0 {
			// Unreachable while n ≥ k: an empty cluster implies one with two points.
			break
		}
		counts[assign[far]]--
		assign[far] = int32(j)
		counts[j] = 1
		dist[far] = 0
		copy(centroids[j*dim:j*dim+dim], data[far*dim:far*dim+dim])
		repaired++
	}
	return repaired
}

// updateMeans moves every non-empty cluster's centroid to the mean of its points.
func updateMeans(data []float32, dim, k int, centroids []float32, assign []int32, counts []int, sums []float64) {
	clear(sums)
	for i, j := range assign {
		s := sums[int(j)*dim : int(j)*dim+dim]
		for t, x := range data[i*dim : i*dim+dim] {
			s[t] += float64(x)
		}
	}
	for j := range k {
		if counts[j] == 0 {
			continue
		}
		inv := 1 / float64(counts[j])
		c := centroids[j*dim : j*dim+dim]
		for t, s := range sums[j*dim : j*dim+dim] {
			c[t] = float32(s * inv)
		}
	}
}

// miniBatchKMeans trains on uniformly sampled batches. Each step assigns a batch and moves every
// centroid that received points to the running mean of all points it has absorbed; after each
// epoch, centroids that absorbed nothing during it are re-seeded from the last batch.
func miniBatchKMeans(ctx context.Context, data []float32, n, dim, k int, opts KMeansOptions, rng *rand.Rand) ([]float32, kmeansStats, error) {
	stats := kmeansStats{miniBatch: true}
	batch := opts.BatchSize
	initN := min(n, max(3*batch, 4*k))
	centroids, err := kmeansPlusPlus(ctx, samplePoints(data, n, dim, initN, rng), initN, dim, k, rng)
	if err != nil {
		return nil, stats, err
	}

	weights := make([]float64, k) // points absorbed so far, per centroid
	hits := make([]int, k)        // points absorbed this epoch
	counts := make([]int, k)      // points in this batch
	sums := make([]float64, k*dim)
	idx := make([]int, batch)
	dist := make([]float32, batch)
	stepsPerEpoch := (n + batch - 1) / batch
	alpha := min(1, 2*float64(batch)/float64(n+1))
	smoothed, best := -1.0, math.Inf(1)
	stall := 0
	for step := range opts.MaxIter * stepsPerEpoch {
		if err := ctx.Err(); err != nil {
			return nil, stats, err
		}
		stats.iterations++
		clear(counts)
		clear(sums)
		var batchErr float64
		for b := range idx {
			i := rng.IntN(n)
			p := data[i*dim : i*dim+dim]
			j, d := nearest(p, centroids, k)
			idx[b], dist[b] = i, d
			counts[j]++
			batchErr += float64(d)
			s := sums[j*dim : j*dim+dim]
			for t, x := range p {
				s[t] += float64(x)
			}
		}
		for j, cnt := range counts {
			if cnt == 0 {
				continue
			}
			w := weights[j]
			nw := w + float64(cnt)
			c := centroids[j*dim : j*dim+dim]
			for t, s := range sums[j*dim : j*dim+dim] {
				c[t] = float32((float64(c[t])*w + s) / nw)
			}
			weights[j] = nw
			hits[j] += cnt
		}

		batchErr /= float64(batch)
		if smoothed < 0 {
			smoothed = batchErr
		} else {
			smoothed = smoothed*(1-alpha) + batchErr*alpha
		}
		if opts.Tol >= 0 {
			if smoothed < best*(1-opts.Tol) {
				best, stall = smoothed, 0
			} else if stall++; stall >= miniBatchPatience {
				break
			}
		}

		if (step+1)%stepsPerEpoch == 0 {
			stats.repaired += reseedIdle(data, dim, centroids, weights, hits, idx, dist)
			clear(hits)
		}
	}

	final, err := lloyd(ctx, data, n, dim, k, centroids, 1, opts.Tol)
	stats.iterations += final.iterations
	stats.repaired += final.repaired
	if err != nil {
		return nil, stats, err
	}
	return centroids, stats, nil
}

// reseedIdle moves every centroid that absorbed no point this epoch onto a distinct point of the
// last batch, farthest first from its nearest centroid, and forgets its history. It returns how
// many it moved.
func reseedIdle(data []float32, dim int, centroids []float32, weights []float64, hits []int, idx []int, dist []float32) int {
	moved := 0
	for j, h := range hits {
		if h > 0 {
			continue
		}
		far := 0
		for b, d := range dist {
			if d > dist[far] {
				far = b
			}
		}
		if dist[far] <= 0 {
			break // the batch holds no point away from the centroids; the final pass repairs
		}
		i := idx[far]
		copy(centroids[j*dim:j*dim+dim], data[i*dim:i*dim+dim])
		weights[j] = 0
		dist[far] = 0
		moved++
	}
	return moved
}

// samplePoints copies m distinct points of data, chosen uniformly, into a new m×dim slice.
func samplePoints(data []float32, n, dim, m int, rng *rand.Rand) []float32 {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	out := make([]float32, m*dim)
	for s := range m {
		r := s + rng.IntN(n-s)
		perm[s], perm[r] = perm[r], perm[s]
		i := perm[s]
		copy(out[s*dim:s*dim+dim], data[i*dim:i*dim+dim])
	}
	return out
}

// sqDist is the squared Euclidean distance between a and b, summed in index order.
func sqDist(a, b []float32) float32 {
	b = b[:len(a)]
	var d float32
	for t, x := range a {
		e := x - b[t]
		d += e * e
	}
	return d
}

// nearest returns the index of the centroid (one of k rows of len(v) values) closest to v in
// squared Euclidean distance, the lowest index among ties, and that distance.
func nearest(v, centroids []float32, k int) (int, float32) {
	dim := len(v)
	if dim == 4 {
		return nearest4(v, centroids[:4*k])
	}
	best, bestD := 0, float32(math.Inf(1))
	for j := range k {
		if d := sqDist(v, centroids[j*dim:j*dim+dim]); d < bestD {
			best, bestD = j, d
		}
	}
	return best, bestD
}

// nearest4 is nearest for 4-dimensional sub-spaces (d = 64 with M = 16), the common case.
func nearest4(v, centroids []float32) (int, float32) {
	v0, v1, v2, v3 := v[0], v[1], v[2], v[3]
	best, bestD := 0, float32(math.Inf(1))
	for j := 0; j+4 <= len(centroids); j += 4 {
		c := centroids[j : j+4 : j+4]
		e0, e1, e2, e3 := v0-c[0], v1-c[1], v2-c[2], v3-c[3]
		if d := e0*e0 + e1*e1 + e2*e2 + e3*e3; d < bestD {
			best, bestD = j, d
		}
	}
	return best / 4, bestD
}

// nearest2 is nearest that also returns the squared distance to the second-nearest centroid
// (+Inf when k is 1).
func nearest2(v, centroids []float32, k int) (int, float32, float32) {
	dim := len(v)
	if dim == 4 {
		return nearest2of4(v, centroids[:4*k])
	}
	best, bestD, nextD := 0, float32(math.Inf(1)), float32(math.Inf(1))
	for j := range k {
		d := sqDist(v, centroids[j*dim:j*dim+dim])
		if d < bestD {
			best, bestD, nextD = j, d, bestD
		} else if d < nextD {
			nextD = d
		}
	}
	return best, bestD, nextD
}

// nearest2of4 is nearest2 for 4-dimensional sub-spaces.
func nearest2of4(v, centroids []float32) (int, float32, float32) {
	v0, v1, v2, v3 := v[0], v[1], v[2], v[3]
	best, bestD, nextD := 0, float32(math.Inf(1)), float32(math.Inf(1))
	for j := 0; j+4 <= len(centroids); j += 4 {
		c := centroids[j : j+4 : j+4]
		e0, e1, e2, e3 := v0-c[0], v1-c[1], v2-c[2], v3-c[3]
		d := e0*e0 + e1*e1 + e2*e2 + e3*e3
		if d < bestD {
			best, bestD, nextD = j, d, bestD
		} else if d < nextD {
			nextD = d
		}
	}
	return best / 4, bestD, nextD
}
