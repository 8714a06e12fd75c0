package synth

import (
	"encoding/binary"
	"hash"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// small is a quick configuration with every feature on.
func small() Config {
	c := DefaultConfig()
	c.Users, c.Items, c.MinEvents, c.MaxEvents, c.DenseDim = 20, 2000, 200, 2000, 16
	return c
}

// fingerprint hashes every field of d in a fixed order.
func fingerprint(d *data.Dataset) uint64 {
	h := fnv.New64a()
	str := func(s string) { num(h, int64(len(s))); h.Write([]byte(s)) }
	str(d.Name)
	str(d.Note)
	for k := range d.DenseNames {
		str(d.DenseNames[k])
		num(h, int64(d.DenseDims[k]))
	}
	for _, it := range d.Items {
		str(it.ID)
		str(it.Text)
		num(h, int64(len(it.Attrs)))
		for _, a := range it.Attrs {
			str(a.Field)
			str(a.Value)
		}
		for _, v := range it.Dense {
			num(h, int64(len(v)))
			for _, x := range v {
				num(h, int64(math.Float32bits(x)))
			}
		}
	}
	for _, u := range d.Users {
		str(u.ID)
		num(h, int64(len(u.Events)))
		for _, e := range u.Events {
			num(h, e.Time)
			num(h, int64(e.Kind))
			str(e.Query)
			num(h, int64(e.Item))
		}
	}
	return h.Sum64()
}

func num(h hash.Hash64, v int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		errHas string
	}{
		{"default", func(*Config) {}, ""},
		{"one of everything", func(c *Config) {
			c.Users, c.Items, c.MinEvents, c.MaxEvents, c.Interests, c.UserInterests, c.Brands, c.PriceBuckets = 1, 1, 1, 1, 1, 1, 1, 1
		}, ""},
		{"no users", func(c *Config) { c.Users = 0 }, "Users = 0, want 1..16777216"},
		{"no items", func(c *Config) { c.Items = 0 }, "Items = 0"},
		{"max below min", func(c *Config) { c.MaxEvents = c.MinEvents - 1 }, "MaxEvents = 999, want 1000..4194304"},
		{"zero events", func(c *Config) { c.MinEvents = 0 }, "MinEvents = 0"},
		{"more interests than items", func(c *Config) { c.Items = 10 }, "Interests = 32, want 1..10"},
		{"too many user interests", func(c *Config) { c.UserInterests = 33 }, "UserInterests = 33, want 1..16"},
		{"negative dense", func(c *Config) { c.DenseDim = -1 }, "DenseDim = -1"},
		{"tiny vocabulary", func(c *Config) { c.Vocabulary = 3 }, "Vocabulary = 3, want 4..65536"},
		{"no brands", func(c *Config) { c.Brands = 0 }, "Brands = 0"},
		{"too many price buckets", func(c *Config) { c.PriceBuckets = 101 }, "PriceBuckets = 101"},
		{"focus above one", func(c *Config) { c.Focus = 1.5 }, "Focus = 1.5, want 0..1"},
		{"NaN drift", func(c *Config) { c.Drift = math.NaN() }, "Drift = NaN"},
		{"negative search", func(c *Config) { c.SearchFraction = -0.1 }, "SearchFraction = -0.1"},
		{"too many words", func(c *Config) { c.Interests, c.Items, c.Vocabulary = 1000, 100000, 65536 }, "Interests × Vocabulary"},
		{"too many dense values", func(c *Config) { c.Items, c.DenseDim = 1<<20, 1<<9 }, "Items × DenseDim"},
		{"too many events", func(c *Config) { c.Users, c.MaxEvents = 1<<10, 1<<19 }, "Users × MaxEvents"},
		{"negative start", func(c *Config) { c.StartTime = -1 }, "StartTime = -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.errHas)
			_, err = Generate(c)
			require.ErrorContains(t, err, tt.errHas)
		})
	}
}

func TestGenerateValidates(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
	}{
		{"small", func(*Config) {}},
		{"no dense", func(c *Config) { c.DenseDim = 0 }},
		{"no drift", func(c *Config) { c.Drift = 0 }},
		{"always drifting", func(c *Config) { c.Drift = 1 }},
		{"all searches", func(c *Config) { c.SearchFraction = 1 }},
		{"all browses", func(c *Config) { c.SearchFraction = 0 }},
		{"no focus", func(c *Config) { c.Focus = 0 }},
		{"every item its own cluster", func(c *Config) { c.Items, c.Interests = 50, 50 }},
		{"user holds every cluster", func(c *Config) { c.Interests, c.UserInterests = 4, 4 }},
		{"fixed length", func(c *Config) { c.MinEvents, c.MaxEvents = 777, 777 }},
		{"one of everything", func(c *Config) {
			c.Users, c.Items, c.MinEvents, c.MaxEvents, c.Interests, c.UserInterests, c.Brands, c.PriceBuckets = 1, 1, 1, 1, 1, 1, 1, 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := small()
			tt.mutate(&c)
			d, err := Generate(c)
			require.NoError(t, err)
			require.NoError(t, d.Validate())
			assert.Len(t, d.Items, c.Items)
			assert.Len(t, d.Users, c.Users)
			s := data.Describe(d)
			assert.GreaterOrEqual(t, s.Length.Min, c.MinEvents)
			assert.LessOrEqual(t, s.Length.Max, c.MaxEvents)
			for _, cov := range s.Coverage {
				assert.Equal(t, 1.0, cov.Fraction, cov.Modality)
			}
			if c.SearchFraction == 0 {
				assert.Zero(t, s.Search)
			}
			if c.SearchFraction == 1 {
				assert.Zero(t, s.Browse)
			}
		})
	}
}

// The golden fingerprints pin the output: the same values natively and in wasm prove the
// generator is platform independent, and a change to them is a change of every synthetic dataset.
func TestFingerprint(t *testing.T) {
	tests := []struct {
		name string
		gen  func() (*data.Dataset, error)
		want uint64
	}{
		{"small", func() (*data.Dataset, error) { return Generate(small()) }, 0xfd957029ffb9a9d5},
		{"long user", func() (*data.Dataset, error) { return LongUser(42, 5000, 20000) }, 0x75b7d68d7cb085b6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.gen()
			require.NoError(t, err)
			again, err := tt.gen()
			require.NoError(t, err)
			assert.Equal(t, d, again, "same config, same dataset")
			assert.Equal(t, tt.want, fingerprint(d), "fingerprint %#x", fingerprint(d))
		})
	}
}

func TestSeedsAndUsersAreIndependent(t *testing.T) {
	c := small()
	base, err := Generate(c)
	require.NoError(t, err)

	c.Seed = 2
	other, err := Generate(c)
	require.NoError(t, err)
	assert.NotEqual(t, fingerprint(base), fingerprint(other))
	assert.NotEqual(t, base.Users[0].Events[:10], other.Users[0].Events[:10])

	c = small()
	c.Users += 5
	more, err := Generate(c)
	require.NoError(t, err)
	assert.Equal(t, base.Items, more.Items, "the catalogue does not depend on the number of users")
	assert.Equal(t, base.Users, more.Users[:len(base.Users)], "adding users keeps the first ones")
}

// clusterOf reads an item's interest cluster from its category, c<cluster>.<sub>.
func clusterOf(t *testing.T, it data.Item) int {
	for _, a := range it.Attrs {
		if a.Field == "category" {
			k, err := strconv.Atoi(strings.TrimPrefix(strings.Split(a.Value, ".")[0], "c"))
			require.NoError(t, err, a.Value)
			return k
		}
	}
	t.Fatalf("item %s has no category", it.ID)
	return -1
}

func TestPlantedInterests(t *testing.T) {
	c := small()
	c.Drift, c.MinEvents, c.MaxEvents = 0, 2000, 3000
	d, err := Generate(c)
	require.NoError(t, err)
	for _, u := range d.Users {
		counts := make([]int, c.Interests)
		for _, e := range u.Events {
			counts[clusterOf(t, d.Items[e.Item])]++
		}
		slices.Sort(counts)
		top := 0
		for _, n := range counts[len(counts)-c.UserInterests:] {
			top += n
		}
		// Focus 0.9 plus the unfocused events that land in the planted clusters by chance.
		assert.InDelta(t, 0.9+0.1*3/32, float64(top)/float64(len(u.Events)), 0.03, "user %s", u.ID)
	}

	// With drift the interests in force change along the sequence.
	c.Drift, c.Users, c.MinEvents, c.MaxEvents = 0.01, 1, 5000, 5000
	d, err = Generate(c)
	require.NoError(t, err)
	events := d.Users[0].Events
	first, last := map[int]int{}, map[int]int{}
	for _, e := range events[:500] {
		first[clusterOf(t, d.Items[e.Item])]++
	}
	for _, e := range events[len(events)-500:] {
		last[clusterOf(t, d.Items[e.Item])]++
	}
	overlap := 0
	for k, n := range first {
		overlap += min(n, last[k])
	}
	assert.Less(t, overlap, 250, "after ~50 drifts, the last events mostly come from other clusters")
}

func TestQueriesUseTheItemsWords(t *testing.T) {
	d, err := Generate(small())
	require.NoError(t, err)
	searches := 0
	for _, u := range d.Users {
		for _, e := range u.Events {
			if e.Kind != data.Search {
				continue
			}
			searches++
			text := strings.Fields(d.Items[e.Item].Text)
			for _, w := range strings.Fields(e.Query) {
				require.Contains(t, text, w, "query %q of item %q", e.Query, d.Items[e.Item].Text)
			}
		}
	}
	assert.Greater(t, searches, 0)
}

func TestDenseVectorsClusterAroundCentroids(t *testing.T) {
	c := small()
	d, err := Generate(c)
	require.NoError(t, err)
	means := make([][]float64, c.Interests)
	counts := make([]int, c.Interests)
	for k := range means {
		means[k] = make([]float64, c.DenseDim)
	}
	for _, it := range d.Items {
		k := clusterOf(t, it)
		counts[k]++
		for j, x := range it.Dense[0] {
			means[k][j] += float64(x)
		}
	}
	for k := range means {
		for j := range means[k] {
			means[k][j] /= float64(counts[k])
		}
	}
	nearestOwn := 0
	for _, it := range d.Items {
		best, bestDist := -1, math.Inf(1)
		for k, m := range means {
			dist := 0.0
			for j, x := range it.Dense[0] {
				dist += (float64(x) - m[j]) * (float64(x) - m[j])
			}
			if dist < bestDist {
				best, bestDist = k, dist
			}
		}
		if best == clusterOf(t, it) {
			nearestOwn++
		}
	}
	assert.Greater(t, float64(nearestOwn)/float64(len(d.Items)), 0.99)
}

func TestLogUniform(t *testing.T) {
	// median is where the running sum of 1/x over lo..hi reaches half its total.
	median := func(lo, hi int) float64 {
		total := 0.0
		for x := lo; x <= hi; x++ {
			total += 1 / float64(x)
		}
		sum := 0.0
		for x := lo; ; x++ {
			if sum += 1 / float64(x); sum >= total/2 {
				return float64(x)
			}
		}
	}
	tests := []struct{ lo, hi int }{{1000, 100000}, {1, 1000}, {50, 60}, {3, 4}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.lo)+".."+strconv.Itoa(tt.hi), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			const n = 4000
			draws := make([]int, n)
			for i := range draws {
				draws[i] = logUniform(r, tt.lo, tt.hi)
				require.GreaterOrEqual(t, draws[i], tt.lo)
				require.LessOrEqual(t, draws[i], tt.hi)
			}
			slices.Sort(draws)
			assert.InEpsilon(t, median(tt.lo, tt.hi), float64(draws[n/2]), 0.1)
		})
	}
	assert.Equal(t, 7, logUniform(rand.New(rand.NewPCG(1, 2)), 7, 7))
}

func TestWords(t *testing.T) {
	tests := []struct {
		n      int
		length int // letters
	}{{10, 4}, {4900, 4}, {4901, 6}, {343000, 6}, {343001, 8}}
	for _, tt := range tests {
		w := newWordMaker(tt.n)
		// Check the first and last 20,000 numbers for distinct words (the map is a bijection).
		seen := make(map[string]bool)
		check := func(i int) {
			word := w.word(i)
			if len(word) != tt.length || seen[word] {
				t.Fatalf("n=%d: word %d is %q: want %d letters, not seen before", tt.n, i, word, tt.length)
			}
			seen[word] = true
		}
		for i := range min(tt.n, 20000) {
			check(i)
		}
		for i := max(20000, tt.n-20000); i < tt.n; i++ {
			check(i)
		}
	}
}

// Generating a user allocates the same whatever the number of events: nothing per event.
func TestNoAllocationPerEvent(t *testing.T) {
	allocs := func(events int) float64 {
		c := small()
		c.Users, c.Items, c.MinEvents, c.MaxEvents = 1, 100, events, events
		return testing.AllocsPerRun(3, func() {
			_, err := Generate(c)
			require.NoError(t, err)
		})
	}
	assert.Equal(t, allocs(1000), allocs(30000))
}

func TestLongUserTiming(t *testing.T) {
	const events = 100_000
	d, err := LongUser(3, 1000, events)
	require.NoError(t, err)
	evs := d.Users[0].Events
	require.Len(t, evs, events)
	assert.Equal(t, DefaultConfig().StartTime, evs[0].Time)
	for e := 1; e < len(evs); e++ {
		gap := evs[e].Time - evs[e-1].Time
		require.True(t, gap >= 1 && gap <= longUserMaxGap, "gap %d before event %d", gap, e)
	}
	span := evs[len(evs)-1].Time - evs[0].Time
	assert.InDelta(t, 60*events, span, 0.01*60*events, "about one event a minute")
	assert.Less(t, span, int64(1)<<31/100, "10^5 events fit 2^31 s with room to spare")

	c := DefaultConfig()
	c.Seed, c.Users, c.Items, c.MinEvents, c.MaxEvents = 3, 1, 1000, events, events
	g, err := Generate(c)
	require.NoError(t, err)
	for e, ev := range g.Users[0].Events {
		ev.Time = evs[e].Time
		require.Equal(t, ev, evs[e], "event %d: only the times differ from Generate's", e)
	}
}

func BenchmarkLongUser100K(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LongUser(1, 10000, 100000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUser100K(b *testing.B) {
	c := DefaultConfig()
	c.Users, c.MinEvents, c.MaxEvents = 1, 100000, 100000
	cat := newCatalogue(c)
	b.ReportAllocs()
	for b.Loop() {
		generateUser(c, cat, 0)
	}
}

func TestLongUsers(t *testing.T) {
	const items, events = 1000, 2000
	one, err := LongUser(3, items, events)
	require.NoError(t, err)
	tests := []struct {
		name  string
		users int
	}{
		{"one user", 1},
		{"three users", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LongUsers(3, items, events, tt.users)
			require.NoError(t, err)
			require.Len(t, d.Users, tt.users)
			assert.Equal(t, one.Items, d.Items, "one catalogue, whatever the number of users")
			assert.Equal(t, one.Users[0], d.Users[0], "user 0 is LongUser's")
			for u, user := range d.Users {
				require.Len(t, user.Events, events)
				for e := 1; e < events; e++ {
					gap := user.Events[e].Time - user.Events[e-1].Time
					require.True(t, gap >= 1 && gap <= longUserMaxGap, "user %d: gap %d before event %d", u, gap, e)
				}
				if u > 0 {
					assert.NotEqual(t, d.Users[0].Events[:10], user.Events[:10], "user %d differs from user 0", u)
				}
			}
		})
	}
	more, err := LongUsers(3, items, events, 5)
	require.NoError(t, err)
	three, err := LongUsers(3, items, events, 3)
	require.NoError(t, err)
	assert.Equal(t, three.Users, more.Users[:3], "adding users keeps the first ones, times included")
}
