package synth

import (
	"errors"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
)

// Config describes a synthetic dataset. Start from DefaultConfig and change what a test needs:
// no field has an implicit default.
type Config struct {
	Seed      uint64
	Users     int
	Items     int
	MinEvents int // fewest events of a user
	MaxEvents int // most events of a user; lengths are log-uniform in [MinEvents, MaxEvents]

	Interests      int     // latent clusters the catalogue is split into
	UserInterests  int     // clusters planted in each user
	Focus          float64 // probability that an event comes from one of the user's interests
	Drift          float64 // probability, per event, that one of the user's interests is replaced
	SearchFraction float64 // probability that an event is a search (else a browse)

	DenseDim     int   // width of the "embedding" dense slot; 0 for no dense slot
	Vocabulary   int   // words per interest cluster
	Brands       int   // brands over the whole catalogue
	PriceBuckets int   // price levels
	StartTime    int64 // Unix seconds near which the sequences start
}

// Limits of a valid Config, beyond those of package data.
const (
	MaxInterests     = 1 << 16
	MaxUserInterests = 16
	MaxVocabulary    = 1 << 16
	MaxBrands        = 1 << 16
	MaxPriceBuckets  = 100
	MaxWords         = 1 << 24 // Interests × Vocabulary
	MaxDenseValues   = 1 << 28 // Items × DenseDim
)

// DefaultConfig is a small catalogue with users of 10^3 to 10^4 events.
func DefaultConfig() Config {
	return Config{
		Seed:           1,
		Users:          100,
		Items:          10000,
		MinEvents:      1000,
		MaxEvents:      10000,
		Interests:      32,
		UserInterests:  3,
		Focus:          0.9,
		Drift:          0.001,
		SearchFraction: 0.3,
		DenseDim:       32,
		Vocabulary:     64,
		Brands:         50,
		PriceBuckets:   5,
		StartTime:      1_600_000_000,
	}
}

// Validate reports the first field of c that is out of range.
func (c Config) Validate() error {
	checks := []struct {
		name      string
		v, lo, hi int
	}{
		{"Users", c.Users, 1, data.MaxUsers},
		{"Items", c.Items, 1, data.MaxItems},
		{"MinEvents", c.MinEvents, 1, data.MaxUserEvents},
		{"MaxEvents", c.MaxEvents, c.MinEvents, data.MaxUserEvents},
		{"Interests", c.Interests, 1, min(c.Items, MaxInterests)},
		{"UserInterests", c.UserInterests, 1, min(c.Interests, MaxUserInterests)},
		{"DenseDim", c.DenseDim, 0, data.MaxDenseDim},
		{"Vocabulary", c.Vocabulary, 4, MaxVocabulary},
		{"Brands", c.Brands, 1, MaxBrands},
		{"PriceBuckets", c.PriceBuckets, 1, MaxPriceBuckets},
	}
	for _, ch := range checks {
		if ch.v < ch.lo || ch.v > ch.hi {
			return errors.New("synth: " + ch.name + " = " + strconv.Itoa(ch.v) + ", want " +
				strconv.Itoa(ch.lo) + ".." + strconv.Itoa(ch.hi))
		}
	}
	fractions := []struct {
		name string
		v    float64
	}{{"Focus", c.Focus}, {"Drift", c.Drift}, {"SearchFraction", c.SearchFraction}}
	for _, f := range fractions {
		if !(f.v >= 0 && f.v <= 1) {
			return errors.New("synth: " + f.name + " = " + strconv.FormatFloat(f.v, 'g', -1, 64) + ", want 0..1")
		}
	}
	if c.Interests*c.Vocabulary > MaxWords {
		return errors.New("synth: Interests × Vocabulary = " + strconv.Itoa(c.Interests*c.Vocabulary) +
			", more than the limit " + strconv.Itoa(MaxWords))
	}
	if c.Items*c.DenseDim > MaxDenseValues {
		return errors.New("synth: Items × DenseDim = " + strconv.Itoa(c.Items*c.DenseDim) +
			", more than the limit " + strconv.Itoa(MaxDenseValues))
	}
	if c.Users*c.MaxEvents > data.MaxEvents {
		return errors.New("synth: Users × MaxEvents = " + strconv.Itoa(c.Users*c.MaxEvents) +
			", more than the limit " + strconv.Itoa(data.MaxEvents))
	}
	if c.StartTime < 0 || c.StartTime > 1<<40 {
		return errors.New("synth: StartTime = " + strconv.FormatInt(c.StartTime, 10) + ", want 0..2^40")
	}
	return nil
}
