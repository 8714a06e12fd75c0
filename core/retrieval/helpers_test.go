package retrieval

import (
	"context"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/pq"
)

const testDim = 16

// testModel is a small model with one dense slot of synth's width, its gates, α, projections
// and age biases randomised so that every part differs.
func testModel(t testing.TB) *model.Model {
	t.Helper()
	m, err := model.New(model.Config{
		Dim: testDim, Heads: 4, TopK: 8,
		IDBuckets: 997, TokenBuckets: 997, AttrBuckets: 97,
		DenseDims:  []int{synth.DefaultConfig().DenseDim},
		MLPHidden:  []int{12},
		AgeBuckets: 6,
		Seed:       7,
	})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 99))
	for i := range m.Params.GateLogits {
		m.Params.GateLogits[i] = float32(r.NormFloat64())
	}
	m.Params.AlphaLogit[0] = 0.3
	for i := range m.Params.Proj {
		m.Params.Proj[i] += float32(0.1 * r.NormFloat64())
	}
	for i := range m.Params.ESUAge {
		m.Params.ESUAge[i] = float32(r.NormFloat64())
	}
	return m
}

// testEvents returns one generated user's events over a catalogue of items items.
func testEvents(t testing.TB, seed uint64, items, n int) []Event {
	t.Helper()
	ds, err := synth.LongUser(seed, items, n)
	require.NoError(t, err)
	evs := make([]Event, n)
	for j, e := range ds.Users[0].Events {
		evs[j] = Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &ds.Items[e.Item]}
	}
	return evs
}

// repeated returns n events drawn from the first distinct events of evs, in time order.
func repeated(evs []Event, distinct, n int, seed uint64) []Event {
	r := rand.New(rand.NewPCG(seed, 3))
	out := make([]Event, n)
	for j := range out {
		out[j] = evs[r.IntN(distinct)]
		out[j].Time = int64(1_600_000_000 + j)
	}
	return out
}

func history(t testing.TB, m *model.Model, evs []Event) *model.History {
	t.Helper()
	h := m.NewHistory(len(evs))
	enc := model.NewEncoder(m)
	for _, e := range evs {
		require.NoError(t, enc.AppendEvent(h, e.Query, e.Kind, e.Item))
	}
	return h
}

func newStore(t testing.TB, c *Codec, opts StoreOptions, evs []Event) *Store {
	t.Helper()
	s := NewStore(c, opts)
	for _, e := range evs {
		require.NoError(t, s.Append(e))
	}
	return s
}

func layout(t testing.TB, spec string) []GroupSpec {
	t.Helper()
	specs, err := ParseLayout(spec, testDim)
	require.NoError(t, err)
	return specs
}

func trainedCodec(t testing.TB, m *model.Model, evs []Event, spec string, bits int) *Codec {
	t.Helper()
	c, err := TrainCodec(context.Background(), m, evs, TrainOptions{
		Layout: layout(t, spec), Bits: bits, KMeans: pq.KMeansOptions{Seed: 5},
	})
	require.NoError(t, err)
	return c
}

// exactCodec builds codebooks of one-dimensional sub-spaces whose centroids are the distinct
// values each dimension of each group takes over evs, so that every event of evs encodes and
// decodes without error. Each dimension must take at most 2^bits values.
func exactCodec(t testing.TB, m *model.Model, evs []Event, spec string, bits int) *Codec {
	t.Helper()
	specs := layout(t, spec)
	enc := model.NewEncoder(m)
	parts := make([]float32, model.NumParts*testDim)
	vec := make([]float32, testDim)
	values := make([][][]float32, len(specs))
	for g := range specs {
		values[g] = make([][]float32, testDim)
	}
	for _, e := range evs {
		require.NoError(t, enc.EventParts(parts, e.Query, e.Kind, e.Item))
		for g, spec := range specs {
			sumGroup(vec, parts, spec.Group)
			for i, x := range vec {
				if !slices.Contains(values[g][i], x) {
					values[g][i] = append(values[g][i], x)
				}
			}
		}
	}
	k := 1 << bits
	books := make([]*pq.Codebook, len(specs))
	names := make([]string, len(specs))
	for g, spec := range specs {
		centroids := make([]float32, testDim*k)
		for i, vals := range values[g] {
			require.LessOrEqual(t, len(vals), k, "dimension %d of group %s takes too many values", i, spec.Group)
			copy(centroids[i*k:], vals)
		}
		cb, err := pq.NewCodebook(testDim, testDim, bits, centroids)
		require.NoError(t, err)
		books[g], names[g] = cb, spec.Group.String()
	}
	mc, err := pq.NewMultiCodebook(names, books)
	require.NoError(t, err)
	c, err := NewCodec(m, mc)
	require.NoError(t, err)
	return c
}

func candidates(evs []Event, items []*data.Item, kind data.Kind) []Candidate {
	out := make([]Candidate, len(items))
	for i, it := range items {
		out[i] = Candidate{Query: evs[i%len(evs)].Query, Kind: kind, Item: it}
	}
	return out
}

func itemsOf(evs []Event, n int) []*data.Item {
	out := make([]*data.Item, n)
	for i := range out {
		out[i] = evs[len(evs)-1-i*7%len(evs)].Item
	}
	return out
}

func targetVector(t testing.TB, m *model.Model, c Candidate) []float32 {
	t.Helper()
	v := make([]float32, m.Dim())
	require.NoError(t, model.NewEncoder(m).EventVector(v, c.Query, c.Kind, c.Item))
	return v
}

func crcOf(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func nanF() float64 { return math.NaN() }
