package synth

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
)

// Shape of the catalogue that Config does not expose.
const (
	subcategories  = 4   // categories per interest cluster
	brandsPerTaste = 3   // brands a cluster draws from, around its favourite
	queriesPerItem = 3   // distinct queries that lead to one item
	minTextWords   = 3   // fewest words after the brand in an item's text
	maxTextWords   = 6   // most words after the brand in an item's text
	denseSpread    = 0.5 // half-width of an item's scatter around its cluster's centroid, per coordinate
)

// Event timing: most gaps are within a session, the rest between sessions.
const (
	sessionGapFraction = 0.8
	maxSessionGap      = 300       // seconds
	minBreakGap        = 3600      // seconds
	maxBreakGap        = 7 * 86400 // seconds
	startSpread        = 30 * 86400
)

// DenseName is the name of the dense slot when Config.DenseDim > 0.
const DenseName = "embedding"

// Generate builds the dataset c describes. Item i has ID "i<i>", text made of its brand and words
// of its cluster, and the attributes category ("c<cluster>.<sub>", which names its interest
// cluster), brand and price ("p<level>"); user u has ID "u<u>". The catalogue depends only on the
// seed and the catalogue fields; user u's sequence depends on the seed, the catalogue and u, so
// adding users leaves the first ones unchanged.
func Generate(c Config) (*data.Dataset, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cat := newCatalogue(c)
	d := &data.Dataset{
		Name: "synth",
		Note: "synthetic: seed " + strconv.FormatUint(c.Seed, 10) + ", " + strconv.Itoa(c.Users) + " users with " +
			strconv.Itoa(c.UserInterests) + " planted interests each (drift " + strconv.FormatFloat(c.Drift, 'g', -1, 64) +
			", focus " + strconv.FormatFloat(c.Focus, 'g', -1, 64) + ") over " + strconv.Itoa(c.Items) + " items in " +
			strconv.Itoa(c.Interests) + " interest clusters; an item's category c<cluster>.<sub> names its cluster",
		Items: cat.items,
		Users: make([]data.User, c.Users),
	}
	if c.DenseDim > 0 {
		d.DenseNames = []string{DenseName}
		d.DenseDims = []int{c.DenseDim}
	}
	for u := range d.Users {
		d.Users[u] = generateUser(c, cat, u)
	}
	return d, nil
}

// LongUser is a dataset of one user with exactly events events over items items, otherwise as
// DefaultConfig except for the timing: the input of speed tests over one lifelong sequence. Its
// events come 1 to longUserMaxGap seconds apart, about one a minute, so that 10^5 of them span
// some 70 days; Generate's gaps (up to a week between sessions) would span two centuries, past
// what an event store's time offsets hold.
func LongUser(seed uint64, items, events int) (*data.Dataset, error) {
	return LongUsers(seed, items, events, 1)
}

// LongUsers is LongUser for users users of events events each, over one catalogue: the
// catalogue depends only on seed and items, so a study that needs several lifelong sequences for
// one trained model varies the user, not the seed (another seed is another catalogue). User 0 is
// LongUser's user; user u's sequence depends on the seed, the catalogue and u alone, as
// Generate's users do.
func LongUsers(seed uint64, items, events, users int) (*data.Dataset, error) {
	c := DefaultConfig()
	c.Seed, c.Users, c.Items, c.MinEvents, c.MaxEvents = seed, users, items, events, events
	c.Interests = min(c.Interests, items)
	c.UserInterests = min(c.UserInterests, c.Interests)
	d, err := Generate(c)
	if err != nil {
		return nil, err
	}
	for u := range d.Users {
		r := newRand(seed, longUserTimeStream(u))
		evs := d.Users[u].Events
		t := c.StartTime
		for e := range evs {
			if e > 0 {
				t += 1 + r.Int64N(longUserMaxGap)
			}
			evs[e].Time = t
		}
	}
	return d, nil
}

// longUserTimeStream is the stream of user u's event times in LongUsers. User 0 keeps stream 2,
// which LongUser has always drawn its times from, so that its sequences (and the figures measured
// on them) do not change; with more users that is also user 1's event stream, but one draws gaps
// and the other items and queries. The others' streams lie far past those of Generate's users
// (u+1).
func longUserTimeStream(u int) uint64 {
	if u == 0 {
		return 2
	}
	return 1<<40 + uint64(u)
}

// longUserMaxGap is the longest gap between two events of LongUser, in seconds; gaps are
// uniform from 1 to it, 60 s on average.
const longUserMaxGap = 119

// newRand returns the generator of one stream of a seed: stream 0 builds the catalogue, stream
// u+1 user u.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed^mix(stream)), mix(stream+0x9e3779b97f4a7c15)))
}

// mix is the SplitMix64 finaliser: nearby inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// catalogue is the generated items and what users need to pick from them.
type catalogue struct {
	items   []data.Item
	members [][]int32 // items of each cluster, most popular first
	queries []string  // queriesPerItem per item
}

func newCatalogue(c Config) *catalogue {
	r := newRand(c.Seed, 0)
	cat := &catalogue{
		items:   make([]data.Item, c.Items),
		members: make([][]int32, c.Interests),
		queries: make([]string, c.Items*queriesPerItem),
	}
	cluster := make([]int, c.Items)
	for j, i := range r.Perm(c.Items) {
		cluster[i] = j % c.Interests
		cat.members[j%c.Interests] = append(cat.members[j%c.Interests], int32(i))
	}

	words := newWordMaker(c.Interests*c.Vocabulary + c.Brands)
	vocab := make([]string, c.Interests*c.Vocabulary)
	for n := range vocab {
		vocab[n] = words.word(n)
	}
	brands := make([]string, c.Brands)
	for b := range brands {
		brands[b] = words.word(len(vocab) + b)
	}
	categories := make([]string, c.Interests*subcategories)
	for k := range categories {
		categories[k] = "c" + strconv.Itoa(k/subcategories) + "." + strconv.Itoa(k%subcategories)
	}
	prices := make([]string, c.PriceBuckets)
	for p := range prices {
		prices[p] = "p" + strconv.Itoa(p)
	}

	favouriteBrand := make([]int, c.Interests)
	priceLevel := make([]int, c.Interests)
	centroids := make([]float64, c.Interests*c.DenseDim)
	for k := range c.Interests {
		favouriteBrand[k] = r.IntN(c.Brands)
		priceLevel[k] = r.IntN(c.PriceBuckets)
		for j := range c.DenseDim {
			centroids[k*c.DenseDim+j] = float64(2*r.Float64()) - 1
		}
	}

	var dense []float32
	if c.DenseDim > 0 {
		dense = make([]float32, c.Items*c.DenseDim)
	}
	attrs := make([]data.Attr, 3*c.Items)
	var text strings.Builder
	var picked [maxTextWords]int
	for i := range cat.items {
		k := cluster[i]
		brand := brands[(favouriteBrand[k]+r.IntN(brandsPerTaste))%c.Brands]
		price := min(max(priceLevel[k]+r.IntN(3)-1, 0), c.PriceBuckets-1)
		a := attrs[3*i : 3*i+3 : 3*i+3]
		a[0] = data.Attr{Field: "category", Value: categories[k*subcategories+r.IntN(subcategories)]}
		a[1] = data.Attr{Field: "brand", Value: brand}
		a[2] = data.Attr{Field: "price", Value: prices[price]}

		n := minTextWords + r.IntN(maxTextWords-minTextWords+1)
		text.Reset()
		text.Grow(len(brand) + n*(len(vocab[0])+1))
		text.WriteString(brand)
		for w := range n {
			picked[w] = k*c.Vocabulary + skewed(r, c.Vocabulary)
			text.WriteByte(' ')
			text.WriteString(vocab[picked[w]])
		}
		for q := range queriesPerItem {
			cat.queries[i*queriesPerItem+q] = query(r, vocab, picked[:n], brand)
		}
		cat.items[i] = data.Item{ID: "i" + strconv.Itoa(i), Text: text.String(), Attrs: a}

		if c.DenseDim > 0 {
			v := dense[i*c.DenseDim : (i+1)*c.DenseDim : (i+1)*c.DenseDim]
			centroid := centroids[k*c.DenseDim : (k+1)*c.DenseDim]
			for j := range v {
				// The sum of three uniforms is a cheap bell shape; the explicit conversion keeps the
				// product from being fused into the sum, which would round differently on some targets.
				noise := r.Float64() + r.Float64() + r.Float64() - 1.5
				v[j] = float32(centroid[j] + float64(denseSpread/1.5*noise))
			}
			cat.items[i].Dense = [][]float32{v}
		}
	}
	return cat
}

// query is one to three of the item's words in a random order, sometimes after its brand.
func query(r *rand.Rand, vocab []string, words []int, brand string) string {
	var b strings.Builder
	b.Grow(len(brand) + 3*(len(vocab[0])+1))
	if r.IntN(5) == 0 {
		b.WriteString(brand)
	}
	for range 1 + r.IntN(3) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocab[words[r.IntN(len(words))]])
	}
	return b.String()
}

// skewed draws from 0..n-1 favouring small values: the density of u² for uniform u.
func skewed(r *rand.Rand, n int) int {
	u := r.Float64()
	return min(int(float64(n)*(u*u)), n-1)
}

// logUniform draws from lo..hi with probability proportional to 1/x, using integers only: pick
// one of the octaves [lo·2^k, lo·2^(k+1)) uniformly (each holds the same 1/x mass), a value in it
// uniformly, and keep it with probability lo·2^k/x; values above hi are drawn again.
func logUniform(r *rand.Rand, lo, hi int) int {
	if lo == hi {
		return lo
	}
	octaves := bits.Len(uint(hi / lo))
	for {
		a := lo << r.IntN(octaves)
		x := a + r.IntN(a)
		if x <= hi && r.IntN(x) < a {
			return x
		}
	}
}

// interest is one of a user's planted clusters with its weight.
type interest struct {
	cluster int
	weight  int
}

func generateUser(c Config, cat *catalogue, u int) data.User {
	r := newRand(c.Seed, uint64(u)+1)
	n := logUniform(r, c.MinEvents, c.MaxEvents)
	var planted [MaxUserInterests]interest
	interests := planted[:c.UserInterests]
	totalWeight := 0
	for k := range interests {
		interests[k] = interest{cluster: newCluster(r, c.Interests, interests[:k]), weight: 1 + r.IntN(4)}
		totalWeight += interests[k].weight
	}
	events := make([]data.Event, n)
	t := c.StartTime + r.Int64N(startSpread)
	for e := range events {
		if e > 0 {
			if r.Float64() < sessionGapFraction {
				t += 1 + r.Int64N(maxSessionGap)
			} else {
				t += minBreakGap + r.Int64N(maxBreakGap-minBreakGap)
			}
		}
		if c.Drift > 0 && r.Float64() < c.Drift && c.Interests > len(interests) {
			k := r.IntN(len(interests))
			interests[k].cluster = newCluster(r, c.Interests, interests)
		}
		var item int32
		if r.Float64() < c.Focus {
			members := cat.members[pick(r, interests, totalWeight)]
			item = members[skewed(r, len(members))]
		} else {
			item = int32(r.IntN(c.Items))
		}
		events[e] = data.Event{Time: t, Kind: data.Browse, Item: item}
		if r.Float64() < c.SearchFraction {
			events[e].Kind = data.Search
			events[e].Query = cat.queries[int(item)*queriesPerItem+r.IntN(queriesPerItem)]
		}
	}
	return data.User{ID: "u" + strconv.Itoa(u), Events: events}
}

// newCluster draws a cluster none of taken holds; there must be one.
func newCluster(r *rand.Rand, clusters int, taken []interest) int {
	for {
		k := r.IntN(clusters)
		if !slices.ContainsFunc(taken, func(in interest) bool { return in.cluster == k }) {
			return k
		}
	}
}

// pick draws one of the interests in proportion to its weight and returns its cluster.
func pick(r *rand.Rand, interests []interest, totalWeight int) int {
	w := r.IntN(totalWeight)
	for _, in := range interests {
		if w < in.weight {
			return in.cluster
		}
		w -= in.weight
	}
	return interests[len(interests)-1].cluster
}
