package retrieval

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/pq"
)

// twoStageLayout is LayoutTwoStage's shape at the tests' width: s with 8 sub-spaces of 2
// dimensions, the query with 4.
const twoStageLayout = "query+id+text+attrs+dense:8,query:4"

func twoStageCodec(t testing.TB, evs []Event) *Codec {
	t.Helper()
	c, err := TrainCodec(context.Background(), testModel(t), evs, TrainOptions{
		Layout: layout(t, twoStageLayout), Bits: 4, Fine: 4, KMeans: pq.KMeansOptions{Seed: 5},
	})
	require.NoError(t, err)
	return c
}

func TestTwoStageCodecRoundTrip(t *testing.T) {
	evs := testEvents(t, 2, 300, 600)
	c := twoStageCodec(t, evs)
	require.NotNil(t, c.Fine())
	assert.Equal(t, 4, c.FineBytes())
	b, err := c.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, "PQ2S", string(b[:4]))
	loaded, err := LoadCodec(c.Model(), b)
	require.NoError(t, err)
	assert.Equal(t, c.sum, loaded.sum)
	again, err := loaded.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, again)

	// The coarse codebooks alone keep the form of version 1, which still loads.
	coarse, err := c.Codebooks().MarshalBinary()
	require.NoError(t, err)
	old, err := LoadCodec(c.Model(), coarse)
	require.NoError(t, err)
	assert.Nil(t, old.Fine())

	for name, bad := range map[string][]byte{
		"truncated":     b[:len(b)-1],
		"trailing":      append(append([]byte(nil), b...), 0),
		"version":       edited(b, func(x []byte) { binary.LittleEndian.PutUint16(x[4:], 3) }),
		"reserved":      edited(b, func(x []byte) { x[6] = 1 }),
		"coarse length": edited(b, func(x []byte) { binary.LittleEndian.PutUint32(x[8:], uint32(len(x))) }),
		"header only":   b[:10],
	} {
		_, err := LoadCodec(c.Model(), bad)
		require.Error(t, err, name)
	}
	_, err = NewTwoStageCodec(c.Model(), c.Codebooks(), nil)
	require.Error(t, err)
	_, err = NewTwoStageCodec(c.Model(), c.Codebooks(), c.Codebooks().Codebook(0))
	require.Error(t, err, "a 4-bit fine codebook")
	_, err = TrainCodec(context.Background(), c.Model(), evs, TrainOptions{
		Layout: layout(t, twoStageLayout), Bits: 8, Fine: 4, KMeans: pq.KMeansOptions{Seed: 5},
	})
	require.Error(t, err, "fine codes over 8-bit coarse codes")
}

func edited(b []byte, f func([]byte)) []byte {
	x := append([]byte(nil), b...)
	f(x)
	return x
}

// A store keeps the fine codes unless told to skip them; vectors decoded from both stages lie
// closer to the exact ones than the coarse decoding, and the binary form keeps the fine codes.
func TestStoreFineCodes(t *testing.T) {
	evs := testEvents(t, 4, 300, 600)
	c := twoStageCodec(t, evs)
	m := c.Model()
	full := newStore(t, c, StoreOptions{}, evs)
	skip := newStore(t, c, StoreOptions{SkipFine: true}, evs)
	assert.True(t, full.HasFine())
	assert.False(t, skip.HasFine())
	assert.Equal(t, c.CodeBytes()+4+metaBytes, full.BytesPerEvent())
	assert.Equal(t, c.CodeBytes()+metaBytes, skip.BytesPerEvent())

	h := history(t, m, evs)
	fine, coarse, skipped := make([]float32, testDim), make([]float32, testDim), make([]float32, testDim)
	var errFine, errCoarse float64
	for j := range evs {
		require.NoError(t, full.Vector(fine, j, FromCodes))
		require.NoError(t, full.Vector(coarse, j, FromCoarse))
		require.NoError(t, skip.Vector(skipped, j, FromCodes))
		assert.Equal(t, coarse, skipped)
		for i, x := range h.Event(j) {
			errFine += float64((fine[i] - x) * (fine[i] - x))
			errCoarse += float64((coarse[i] - x) * (coarse[i] - x))
		}
	}
	assert.Less(t, errFine, 0.5*errCoarse)
	require.Error(t, full.Vector(fine, 0, FromCoarse+1))

	for _, s := range []*Store{full, skip} {
		b, err := s.MarshalBinary()
		require.NoError(t, err)
		back := NewStore(c, s.Options())
		require.NoError(t, back.UnmarshalBinary(b))
		assert.Equal(t, s.fine, back.fine)
		assert.Equal(t, s.codes, back.codes)
		// A store with the other fine option refuses the bytes.
		other := NewStore(c, StoreOptions{SkipFine: !s.opts.SkipFine})
		require.ErrorIs(t, other.UnmarshalBinary(b), ErrMalformed)
	}
}

// The default options refine a shortlist from both stages: the kept events are the best K by
// q̄·(decode(coarse) + decode(fine)), and the ESU attends over those decoded vectors, decoded
// once per call whatever the number of candidates.
func TestTwoStageRefine(t *testing.T) {
	evs := testEvents(t, 6, 300, 800)
	c := twoStageCodec(t, evs[:600])
	s := newStore(t, c, StoreOptions{}, evs)
	r := NewRanker(c)
	cands := candidates(evs, itemsOf(evs, 10), data.Search)
	vec := make([]float32, testDim)
	for _, cand := range cands {
		tv := targetVector(t, c.Model(), cand)
		require.NoError(t, r.retrievalVectors(r.qs, tv, Options{}))
		q := append([]float32(nil), r.qs[:testDim]...)
		scores := make([]float32, s.Len())
		for j := range scores {
			require.NoError(t, s.Vector(vec, j, FromCodes))
			scores[j] = kernels.Dot(q, vec)
		}
		got, err := r.Retrieve(s, tv, Options{K: 8, Shortlist: s.Len()})
		require.NoError(t, err)
		// Float sums in another order: compare the kept events' scores with the K-th best.
		want := append([]int32(nil), topKLatest(append([]float32(nil), scores...), 8, nil)...)
		kth := scores[want[0]]
		for _, j := range want {
			kth = min(kth, scores[j])
		}
		for _, j := range got {
			assert.GreaterOrEqual(t, scores[j], kth-1e-4)
		}
	}

	// Ranking all candidates at once equals ranking them one by one.
	all, err := r.Rank(s, cands, Options{})
	require.NoError(t, err)
	want := append([]float32(nil), all.Scores...)
	for i, cand := range cands {
		one, err := r.Rank(s, []Candidate{cand}, Options{})
		require.NoError(t, err)
		assert.Equal(t, want[i], one.Scores[0])
	}
	assert.Zero(t, testing.AllocsPerRun(5, func() { _, _ = r.Rank(s, cands, Options{}) }))
	assert.Zero(t, testing.AllocsPerRun(5, func() { _, _ = r.Rank(s, cands, Options{Heads: PerHead, Weights: []float32{2, 1, 1, 1, 1}}) }))
}

// With the default options the shortlist is DefaultShortlistFactor·K for a store with fine codes
// and K otherwise.
func TestDefaultShortlist(t *testing.T) {
	evs := testEvents(t, 7, 300, 400)
	c := twoStageCodec(t, evs)
	r := NewRanker(c)
	for _, tc := range []struct {
		opts StoreOptions
		opt  Options
		want int
	}{
		{StoreOptions{}, Options{}, DefaultShortlistFactor * 8},
		{StoreOptions{}, Options{K: 5}, DefaultShortlistFactor * 5},
		{StoreOptions{}, Options{Shortlist: 12}, 12},
		{StoreOptions{}, Options{Refine: FromCoarse}, 8},
		{StoreOptions{SkipFine: true}, Options{}, 8},
	} {
		got, err := r.resolve(tc.opt, NewStore(c, tc.opts))
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.Shortlist, "%+v %+v", tc.opts, tc.opt)
	}
}
