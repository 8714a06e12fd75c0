package model

import (
	"errors"
	"math/bits"
	"strconv"
)

// Bounds that Config.Validate enforces. They keep a model, and a model file that declares one,
// within what a wasm32 module can hold.
const (
	MaxDim        = 1024
	MaxHeads      = 64
	MaxTopK       = 1 << 16
	MaxBuckets    = 1 << 24
	MaxDenseSlots = 16
	MaxDenseWidth = 1 << 14
	MaxMLPLayers  = 8
	MaxMLPWidth   = 4096
	MaxAgeBuckets = 64
	// MaxParams bounds the total number of float32 parameters (512 MiB).
	MaxParams = 1 << 27
)

// Config fixes the shape of a model and the seed of its random initialisation.
type Config struct {
	Dim          int   // embedding width d
	Heads        int   // attention heads H; Dim must be a multiple of Heads
	TopK         int   // events the GSU keeps per head (K)
	IDBuckets    int   // rows of the hashed item-id table
	TokenBuckets int   // rows of the hashed word and bigram table, shared by item text and queries
	AttrBuckets  int   // rows of the hashed field=value table
	DenseDims    []int // input width of each dense slot; may be empty
	MLPHidden    []int // widths of the hidden ReLU layers of the scoring MLP; may be empty
	// AgeBuckets is the number of age buckets (see AgeBucket) whose learned per-head bias the
	// ESU adds to its attention logits; 0 leaves attention blind to when an event happened.
	AgeBuckets int
	Seed       uint64 // seed of the random initialisation
}

// DefaultConfig returns the configuration of a model a device ships: d = 64, 4 heads, K = 64,
// 2^13 id and token buckets, 2^12 attribute buckets, no dense slots, an MLP of 64 and 32, and
// 16 age buckets (ages up to 2^15 events told apart). The
// hashed tables are nearly all of the model, and a device loads all of it at every start: at
// these sizes the model has 1.36M parameters, a 5.2 MiB file (2^15 id and token buckets made it
// 17.2 MiB and its loading most of a cold start). 2^13 rows hold the catalogues and title
// vocabularies of the project's datasets (404 to 6,710 items) with the collisions a hashed
// table is meant to absorb; a larger catalogue is a matter of raising IDBuckets.
func DefaultConfig() Config {
	return Config{
		Dim:          64,
		Heads:        4,
		TopK:         64,
		IDBuckets:    1 << 13,
		TokenBuckets: 1 << 13,
		AttrBuckets:  1 << 12,
		MLPHidden:    []int{64, 32},
		AgeBuckets:   16,
	}
}

// Validate reports the first field of c that is out of bounds.
func (c Config) Validate() error {
	checks := []struct {
		name      string
		v, lo, hi int
	}{
		{"Dim", c.Dim, 1, MaxDim},
		{"Heads", c.Heads, 1, MaxHeads},
		{"TopK", c.TopK, 1, MaxTopK},
		{"IDBuckets", c.IDBuckets, 1, MaxBuckets},
		{"TokenBuckets", c.TokenBuckets, 1, MaxBuckets},
		{"AttrBuckets", c.AttrBuckets, 1, MaxBuckets},
		{"len(DenseDims)", len(c.DenseDims), 0, MaxDenseSlots},
		{"len(MLPHidden)", len(c.MLPHidden), 0, MaxMLPLayers},
		{"AgeBuckets", c.AgeBuckets, 0, MaxAgeBuckets},
	}
	for _, ch := range checks {
		if err := checkRange(ch.name, ch.v, ch.lo, ch.hi); err != nil {
			return err
		}
	}
	if c.Dim%c.Heads != 0 {
		return errors.New("model: config: Dim " + strconv.Itoa(c.Dim) +
			" is not a multiple of Heads " + strconv.Itoa(c.Heads))
	}
	for i, w := range c.DenseDims {
		if err := checkRange("DenseDims["+strconv.Itoa(i)+"]", w, 1, MaxDenseWidth); err != nil {
			return err
		}
	}
	for i, w := range c.MLPHidden {
		if err := checkRange("MLPHidden["+strconv.Itoa(i)+"]", w, 1, MaxMLPWidth); err != nil {
			return err
		}
	}
	if n := c.NumParams(); n > MaxParams {
		return errors.New("model: config: " + strconv.Itoa(n) + " parameters exceed the limit of " +
			strconv.Itoa(MaxParams))
	}
	return nil
}

func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return errors.New("model: config: " + name + " must be in [" + strconv.Itoa(lo) + ", " +
			strconv.Itoa(hi) + "], got " + strconv.Itoa(v))
	}
	return nil
}

// NumModalities is the number of item modalities: id, text, attributes and one per dense slot.
func (c Config) NumModalities() int { return numFixedModalities + len(c.DenseDims) }

// NumParams is the number of float32 parameters of a model with this configuration. It is only
// meaningful for a configuration whose fields are within the bounds Validate checks.
func (c Config) NumParams() int {
	n := 0
	for _, spec := range tensorSpecs(c, &Params{}) {
		n += spec.size()
	}
	return n
}

func (c Config) clone() Config {
	c.DenseDims = append([]int(nil), c.DenseDims...)
	c.MLPHidden = append([]int(nil), c.MLPHidden...)
	return c
}

// AgeBucket returns the bucket of an event that age events follow in the history (0 for the
// most recent): 0 for age 0, then one bucket per power of two (1, 2–3, 4–7, …), the last bucket
// holding every older event. Log-spaced buckets give recent events their own bias and let one
// bias cover the long tail of a lifelong history. buckets must be at least 1.
func AgeBucket(age, buckets int) int {
	return min(bits.Len(uint(age)), buckets-1)
}
