package retrieval

import (
	"errors"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
)

// Heads says how retrieval treats the model's attention heads.
type Heads uint8

const (
	// MergedHeads retrieves with one vector per target, q̄ = Σ_h q̃_h: the K events of highest
	// Σ_h a_h(j), for the price of one scan.
	MergedHeads Heads = iota
	// PerHead retrieves the K events of highest a_h(j) for every head h and keeps their union,
	// as the model's exact GSU does: H scans per target.
	PerHead
)

// Options are the knobs of one retrieval or rank call. The zero value is the default: the
// model's TopK events with merged heads, from the 4-bit scan and, when the store keeps fine
// codes, a refine step over a shortlist of DefaultShortlistFactor·K events scored from both
// stages of the codes; the ESU then attends over vectors decoded from every code the store
// keeps.
type Options struct {
	// K is the number of events retrieved per target (per head with PerHead); 0 selects the
	// model's TopK. A history of at most K events is kept whole.
	K int
	// Shortlist is the number of events the 4-bit scan passes on to be re-scored from the
	// Refine vectors, of which the best K are kept. 0 selects DefaultShortlistFactor·K when
	// the store keeps fine codes and Refine is FromCodes, else K; any other value ≤ K skips the
	// refine step. At 8 bits the scan is already exact over the codes, so only a FromInt8
	// refine uses it. Up to 512, selection allocates nothing.
	Shortlist int
	Heads     Heads
	// Refine is where the refine step gets its scores from.
	Refine Vectors
	// ESU is where the ESU gets the kept events' vectors from.
	ESU Vectors
	// Weights holds one weight per model part (model.NumParts, in model.Part order) that
	// retrieval scores events with, Σ_p w_p q̄·u_p(j), instead of q̄·s_j: a search can weigh the
	// query part up and a feed down. nil weighs every part 1. The codec's groups must be able
	// to weigh the parts apart (Codec.GroupWeights). The weights steer retrieval only; the ESU
	// attends over the model's event vectors. A FromInt8 refine scores the int8 copy of s_j
	// and adds the weights' change from 1 through the codes: q̄·s_j + Σ_p (w_p−1) q̄·û_p(j).
	// A refine from fine codes does the same with ŝ_j = decode(coarse) + r̂_j in place of the
	// int8 copy, which comes to the coarse table under the weights plus the fine residual's
	// score: Σ_g w_g q̄·û_g(j) + q̄·r̂_j, the coarse term as the 4-bit scan sums it (the uint8
	// table, scaled back).
	Weights []float32
}

// DefaultShortlistFactor sets the default shortlist, DefaultShortlistFactor·K events, of a
// store with fine codes. Over 10,000 generated events with a trained default-size model, the
// approximate GSU's recall@100 against the exact one's is 0.91 at 4·K and 0.94 at 10·K, against
// 0.69 for the coarse scan alone (docs/pq.md): 4·K buys most of the gain for a quarter of the
// refine work.
const DefaultShortlistFactor = 4

// Candidate is one target pair to score: a candidate item under the current query (Kind
// Browse for a feed, where the query is ignored).
type Candidate struct {
	Query string
	Kind  data.Kind
	Item  *data.Item
}

// Timings says where a rank call spent its time.
type Timings struct {
	Targets time.Duration // target vectors, folded queries, lookup tables
	Scan    time.Duration // scoring every event: code scan, or exact dot products
	Select  time.Duration // top-K and the refine step
	ESU     time.Duration // the kept events' vectors, ESU and MLP
}

// Total is the sum of the phases.
func (t Timings) Total() time.Duration { return t.Targets + t.Scan + t.Select + t.ESU }

// Result is the outcome of a rank call. Its slices alias the Ranker and change with its next
// call.
type Result struct {
	Order  []int32   // candidate indices, best first (ties by lower index)
	Scores []float32 // logit of each candidate, in input order
	// EventsRead is the number of history events the ESU attended over, summed over the
	// candidates.
	EventsRead int
	Timings    Timings
}

// resolve checks opt against a store (nil for an exact history) and fills in defaults.
func (r *Ranker) resolve(opt Options, s *Store) (Options, error) {
	if opt.K < 0 || opt.Shortlist < 0 {
		return opt, errors.New("retrieval: negative K or shortlist")
	}
	if opt.K == 0 {
		opt.K = r.topK
	}
	if opt.Shortlist == 0 && s != nil && s.HasFine() && opt.Refine == FromCodes {
		opt.Shortlist = DefaultShortlistFactor * opt.K
	}
	opt.Shortlist = max(opt.Shortlist, opt.K)
	if opt.Heads != MergedHeads && opt.Heads != PerHead {
		return opt, errors.New("retrieval: unknown heads mode " + strconv.Itoa(int(opt.Heads)))
	}
	for _, v := range [2]Vectors{opt.Refine, opt.ESU} {
		if v > FromCoarse {
			return opt, errors.New("retrieval: unknown vector source " + strconv.Itoa(int(v)))
		}
	}
	if s == nil {
		if opt.Weights != nil {
			return opt, errors.New("retrieval: exact retrieval over event vectors takes no part weights")
		}
		return opt, nil
	}
	if s.codec != r.codec {
		return opt, errors.New("retrieval: the store belongs to another codec")
	}
	for _, w := range opt.Weights {
		if w-w != 0 {
			return opt, errors.New("retrieval: a part weight is NaN or infinite")
		}
	}
	if opt.Weights == nil {
		copy(r.weights, r.codec.decode)
	} else if err := r.codec.GroupWeights(r.weights, opt.Weights); err != nil {
		return opt, err
	}
	if (opt.Refine == FromInt8 || opt.ESU == FromInt8) && !s.opts.Int8 {
		return opt, errNoInt8
	}
	r.correct = false
	if opt.Refine == FromInt8 && opt.Shortlist > opt.K {
		for g, w := range r.weights {
			r.delta[g] = w - r.codec.decode[g]
			r.correct = r.correct || r.delta[g] != 0
		}
	}
	r.fineRefine = opt.Refine == FromCodes && s.HasFine() && opt.Shortlist > opt.K
	if opt.Refine != FromInt8 && r.codec.Bits() == 8 {
		opt.Shortlist = opt.K
	}
	return opt, nil
}
