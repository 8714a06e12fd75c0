package pq

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKMeansRecoversPlantedClusters(t *testing.T) {
	tests := []struct {
		name      string
		n, dim, k int
		batchSize int
		miniBatch bool
	}{
		{name: "lloyd", n: 600, dim: 8, k: 6},
		{name: "lloyd, one cluster", n: 50, dim: 3, k: 1},
		{name: "mini-batch", n: 2000, dim: 8, k: 6, batchSize: 64, miniBatch: true},
		{name: "below the mini-batch switch-over", n: 2000, dim: 8, k: 6, batchSize: 501},
		{name: "mini-batch, 4-dim sub-space", n: 1500, dim: 4, k: 16, batchSize: 100, miniBatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			centres, points := planted(newRand(1), tt.n, tt.dim, tt.k)
			got, stats, err := kmeans(context.Background(), points, tt.n, tt.dim, tt.k, KMeansOptions{Seed: 3, BatchSize: tt.batchSize})
			require.NoError(t, err)
			require.Len(t, got, tt.k*tt.dim)
			assert.Equal(t, tt.miniBatch, stats.miniBatch)

			// Every planted centre has its own centroid, within the noise of a mean.
			matched := make([]bool, tt.k)
			for c := range tt.k {
				centre := centres[c*tt.dim : (c+1)*tt.dim]
				j, d := nearest(centre, got, tt.k)
				assert.Less(t, d, float32(0.01), "centre %d", c)
				assert.False(t, matched[j], "centroid %d matches two centres", j)
				matched[j] = true
			}
		})
	}
}

// naiveLloyd is Lloyd's algorithm without bounds: assign every point by a full search, move
// every centroid to its cluster's mean, until nothing moves or maxIter passes.
func naiveLloyd(data []float32, dim, k int, centroids []float32, maxIter int) {
	n := len(data) / dim
	assign := make([]int, n)
	for it := range maxIter {
		changed := false
		for i := range n {
			j, _ := nearest(data[i*dim:(i+1)*dim], centroids, k)
			if it == 0 || j != assign[i] {
				changed = true
			}
			assign[i] = j
		}
		if !changed {
			return
		}
		sums := make([]float64, k*dim)
		counts := make([]int, k)
		for i, j := range assign {
			counts[j]++
			for t := range dim {
				sums[j*dim+t] += float64(data[i*dim+t])
			}
		}
		for j := range k {
			for t := range dim {
				centroids[j*dim+t] = float32(sums[j*dim+t] / float64(counts[j]))
			}
		}
	}
}

func TestLloydBoundsMatchFullSearch(t *testing.T) {
	tests := []struct {
		name      string
		n, dim, k int
	}{
		{name: "4-dim, 16 centroids", n: 2000, dim: 4, k: 16},
		{name: "4-dim, 256 centroids", n: 3000, dim: 4, k: 256},
		{name: "3-dim, 40 centroids", n: 1500, dim: 3, k: 40},
		{name: "one centroid", n: 100, dim: 5, k: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := gaussian(newRand(12), tt.n, tt.dim)
			initial, err := kmeansPlusPlus(context.Background(), data, tt.n, tt.dim, tt.k, newRand(13))
			require.NoError(t, err)
			want := append([]float32(nil), initial...)
			naiveLloyd(data, tt.dim, tt.k, want, 15)
			got := append([]float32(nil), initial...)
			stats, err := lloyd(context.Background(), data, tt.n, tt.dim, tt.k, got, 15, -1)
			require.NoError(t, err)
			require.Zero(t, stats.repaired)
			assert.InDeltaSlice(t, want, got, 1e-5)
		})
	}
}

func TestKMeansRepairsEmptyClusters(t *testing.T) {
	// Two blobs in 2-D, around (0, 0) and (10, 10).
	_, points := planted(newRand(2), 100, 2, 2)
	blobA, blobB := points[0:2], points[2:4]
	tests := []struct {
		name    string
		initial []float32
	}{
		{name: "centroid far from all points", initial: []float32{blobA[0], blobA[1], blobB[0], blobB[1], 1000, 1000}},
		{name: "duplicated centroid", initial: []float32{blobA[0], blobA[1], blobB[0], blobB[1], blobB[0], blobB[1]}},
		{name: "all centroids equal", initial: []float32{blobA[0], blobA[1], blobA[0], blobA[1], blobA[0], blobA[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			centroids := append([]float32(nil), tt.initial...)
			stats, err := lloyd(context.Background(), points, 100, 2, 3, centroids, DefaultMaxIter, DefaultTol)
			require.NoError(t, err)
			assert.Positive(t, stats.repaired)
			for j, size := range clusterSizes(points, 2, centroids) {
				assert.Positive(t, size, "cluster %d", j)
			}
		})
	}
}

func TestKMeansMiniBatchLeavesNoEmptyCluster(t *testing.T) {
	// Uneven blobs: 95% of the points in one, the rest spread over three small ones.
	_, small := planted(newRand(4), 120, 4, 3)
	_, big := planted(newRand(5), 2280, 4, 1)
	points := append(big, small...)
	got, stats, err := kmeans(context.Background(), points, 2400, 4, 12, KMeansOptions{Seed: 9, BatchSize: 32})
	require.NoError(t, err)
	require.True(t, stats.miniBatch)
	for j, size := range clusterSizes(points, 4, got) {
		assert.Positive(t, size, "cluster %d", j)
	}
}

func TestKMeansIsDeterministic(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		batchSize int
	}{
		{name: "lloyd", n: 400},
		{name: "mini-batch", n: 1200, batchSize: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := gaussian(newRand(6), tt.n, 3)
			run := func(seed uint64) []float32 {
				got, err := KMeans(context.Background(), data, tt.n, 3, 16, KMeansOptions{Seed: seed, BatchSize: tt.batchSize})
				require.NoError(t, err)
				return got
			}
			first := run(11)
			assert.Equal(t, first, run(11), "same seed")
			assert.NotEqual(t, first, run(12), "different seed")
		})
	}
}

func TestKMeansPointCount(t *testing.T) {
	data := gaussian(newRand(7), 8, 3)
	t.Run("fewer points than centroids", func(t *testing.T) {
		_, err := KMeans(context.Background(), data, 8, 3, 9, KMeansOptions{})
		require.ErrorIs(t, err, ErrTooFewPoints)
	})
	t.Run("as many points as centroids", func(t *testing.T) {
		got, err := KMeans(context.Background(), data, 8, 3, 8, KMeansOptions{Seed: 1})
		require.NoError(t, err)
		// Each point is its own cluster, so the centroids are the points in some order.
		for i := range 8 {
			_, d := nearest(data[i*3:(i+1)*3], got, 8)
			assert.Zero(t, d, "point %d", i)
		}
	})
	t.Run("all points equal", func(t *testing.T) {
		same := make([]float32, 50*3)
		for i := range same {
			same[i] = float32(i%3) + 0.5
		}
		got, err := KMeans(context.Background(), same, 50, 3, 4, KMeansOptions{Seed: 1})
		require.NoError(t, err)
		for j := range 4 {
			assert.Equal(t, same[:3], got[j*3:(j+1)*3], "centroid %d", j)
		}
	})
}

func TestKMeansRejectsBadInput(t *testing.T) {
	good := gaussian(newRand(8), 10, 2)
	withValue := func(x float32) []float32 {
		d := append([]float32(nil), good...)
		d[7] = x
		return d
	}
	tests := []struct {
		name      string
		data      []float32
		n, dim, k int
		is        error
	}{
		{name: "no points", data: good, n: 0, dim: 2, k: 1},
		{name: "zero dim", data: good, n: 10, dim: 0, k: 1},
		{name: "zero k", data: good, n: 10, dim: 2, k: 0},
		{name: "short data", data: good[:19], n: 10, dim: 2, k: 2},
		{name: "long data", data: append(good, 1), n: 10, dim: 2, k: 2},
		{name: "huge n", data: good, n: math.MaxInt / 2, dim: 4, k: 2},
		{name: "NaN", data: withValue(float32(math.NaN())), n: 10, dim: 2, k: 2, is: ErrBadValue},
		{name: "infinity", data: withValue(float32(math.Inf(-1))), n: 10, dim: 2, k: 2, is: ErrBadValue},
		{name: "too large", data: withValue(2 * MaxMagnitude), n: 10, dim: 2, k: 2, is: ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KMeans(context.Background(), tt.data, tt.n, tt.dim, tt.k, KMeansOptions{})
			require.Error(t, err)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestKMeansHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		batchSize int
	}{
		{name: "lloyd"},
		{name: "mini-batch", batchSize: 10},
	}
	data := gaussian(newRand(9), 400, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KMeans(ctx, data, 400, 2, 8, KMeansOptions{BatchSize: tt.batchSize})
			require.ErrorIs(t, err, context.Canceled)
		})
	}
}

func TestSamplePoint(t *testing.T) {
	rng := newRand(10)
	tests := []struct {
		name    string
		weights []float64
		allowed []int
	}{
		{name: "one weighted point", weights: []float64{0, 0, 3, 0}, allowed: []int{2}},
		{name: "zero weights draw uniformly", weights: []float64{0, 0, 0}, allowed: []int{0, 1, 2}},
		{name: "weighted points only", weights: []float64{1, 0, 1e-30, 0}, allowed: []int{0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				assert.Contains(t, tt.allowed, samplePoint(tt.weights, rng))
			}
		})
	}
}

func TestReseedIdle(t *testing.T) {
	data := []float32{0, 0, 1, 1, 5, 5, 9, 9} // 4 points in 2-D
	tests := []struct {
		name      string
		hits      []int
		dist      []float32 // of the batch points idx = {0, 1, 2, 3}
		moved     int
		centroids []float32
	}{
		{
			name: "idle centroids take the farthest batch points", hits: []int{3, 0, 0},
			dist: []float32{0, 1, 4, 2}, moved: 2,
			centroids: []float32{-1, -1, 5, 5, 9, 9},
		},
		{
			name: "no idle centroid", hits: []int{1, 1, 1},
			dist: []float32{0, 1, 4, 2}, moved: 0,
			centroids: []float32{-1, -1, -2, -2, -3, -3},
		},
		{
			name: "batch already on the centroids", hits: []int{3, 0, 0},
			dist: []float32{0, 0, 0, 0}, moved: 0,
			centroids: []float32{-1, -1, -2, -2, -3, -3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			centroids := []float32{-1, -1, -2, -2, -3, -3}
			weights := []float64{10, 10, 10}
			moved := reseedIdle(data, 2, centroids, weights, tt.hits, []int{0, 1, 2, 3}, append([]float32(nil), tt.dist...))
			assert.Equal(t, tt.moved, moved)
			assert.Equal(t, tt.centroids, centroids)
			for j, h := range tt.hits {
				if h == 0 && moved > 0 {
					assert.Zero(t, weights[j], "weight of re-seeded centroid %d", j)
				}
			}
		})
	}
}
