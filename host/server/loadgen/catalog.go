package loadgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/seminar-ranker/seminar/core/abi"
)

// Catalog makes items, events and rank requests from a seed: every run of a test sends the
// same bytes.
type Catalog struct {
	Items int
	rng   *rand.Rand
}

var (
	words  = []string{"red", "blue", "wool", "linen", "winter", "summer", "coat", "shirt", "boot", "lamp", "desk", "chair", "oak", "steel", "jazz", "rock", "vinyl", "novel", "poems", "map"}
	genres = []string{"apparel", "home", "music", "books", "outdoor", "kitchen"}
)

// NewCatalog returns a catalogue of n items.
func NewCatalog(n int, seed uint64) *Catalog {
	return &Catalog{Items: n, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Item returns item i.
func (c *Catalog) Item(i int) abi.Item {
	return abi.Item{
		ID:   fmt.Sprintf("item-%d", i),
		Text: words[i%len(words)] + " " + words[(i/len(words))%len(words)] + " " + words[(i*7)%len(words)],
		Attrs: []abi.Attr{
			{Field: "genre", Value: genres[i%len(genres)]},
			{Field: "brand", Value: fmt.Sprintf("b%d", i%37)},
		},
	}
}

// Events returns n events starting at time t0, one a minute, a third of them searches.
func (c *Catalog) Events(n int, t0 int64) []abi.Event {
	evs := make([]abi.Event, n)
	for j := range evs {
		it := c.rng.IntN(c.Items)
		evs[j] = abi.Event{Time: t0 + int64(j)*60, Item: c.Item(it)}
		if c.rng.IntN(3) == 0 {
			evs[j].Kind, evs[j].Query = abi.Search, words[it%len(words)]+" "+genres[it%len(genres)]
		}
	}
	return evs
}

// Rank returns a rank request over n distinct random candidates; every other one is a search.
func (c *Catalog) Rank(n int) abi.RankRequest {
	req := abi.RankRequest{Candidates: make([]abi.Item, n)}
	for i, it := range c.rng.Perm(c.Items)[:n] {
		req.Candidates[i] = c.Item(it)
	}
	if c.rng.IntN(2) == 0 {
		req.Query = words[c.rng.IntN(len(words))]
	}
	return req
}
