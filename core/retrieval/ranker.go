package retrieval

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
)

// lutsPerScan is the number of lookup tables one multi-table scan takes: enough that every
// code block loaded serves several tables, few enough that their scores stay in cache.
const lutsPerScan = 8

// Ranker ranks candidates against a Store with the approximate GSU, then the exact ESU and MLP
// over the events it retrieves; for comparison it also runs the exact GSU over event vectors.
// It owns work buffers: one Ranker per goroutine. Once its buffers have grown to a history's
// length, its calls allocate nothing.
//
// Per target, retrieval (1) folds W_Q and W_K of each head into q̃_h (model.GSUQueries) and
// merges the heads (q̄ = Σ_h q̃_h) or keeps them apart, (2) builds the lookup table of each
// retrieval vector over the codec's groups, with the request's group weights, (3) scores every
// event from its codes — at 4 bits with the table quantized to uint8 and the SIMD fast scan,
// the codes of a block being loaded once for up to 8 tables (several candidates); at 8 bits
// with float ADC — (4) keeps the best K, or a shortlist of the best Options.Shortlist that it
// re-scores from the codes (the float coarse table, or for a two-stage codec the scan's
// dequantized score plus the fine table) or int8 copies before keeping the best K, and (5) takes
// the union over heads. Targets and folded queries are computed for a chunk of candidates at
// once, a request's query part once per run of candidates that share it. The ESU then attends
// over the kept events' decoded or int8 vectors, for the candidates of a chunk at once
// (model.Scorer.ScoreSpans). A rank call decodes each kept event once, however many candidates
// keep it.
type Ranker struct {
	codec  *Codec
	m      *model.Model
	scorer *model.Scorer
	enc    *model.Encoder
	d      int
	heads  int
	topK   int

	targets    []float32 // one target vector per candidate of a chunk
	queryPart  []float32 // query part of the current candidate's target vector
	gq         []float32 // heads×d folded queries of one target
	gqs        []float32 // heads×d folded queries of each target of a chunk
	qs         []float32 // heads×d retrieval vectors of one target
	queries    []float32 // retrieval vector of each table of a chunk
	flut       []float32 // float table of each table of a chunk
	qlut       []uint8   // uint8 table of each table of a chunk (4 bits)
	lutScale   []float32 // scale of each uint8 table: score ≈ bias + scale·sum
	lutBias    []float32
	s16        []uint16  // 4-bit scan sums, one row of Blocks(L)·BlockSize per table
	sf         []float32 // float scores, one row of L per table
	short      []int32   // shortlist of one table
	shortScore []float32
	pick       []int32 // positions in the shortlist kept after refining
	kept       []int32 // events kept for one target
	esu        *model.History
	ages       []int32 // age of each row of esu in the store's history
	code       []byte
	ends       []int32 // end of each candidate's rows in esu, for a chunk
	order      []int32
	scores     []float32
	weights    []float32 // group weights of the call
	delta      []float32 // group weights minus the decoding weights, for an int8 refine
	correct    bool      // whether delta is not all 0: the int8 refine adds a correction
	clut       []float32 // correction table (group weights delta) of each table of a chunk
	fineRefine bool      // whether the refine step adds the fine codes' scores
	fineLUT    []float32 // fine table of each table of a chunk
	// slot[j] is 1 + the row of rows that holds event j's decoded vector in this rank call, or
	// 0: kept events are decoded once per call, not once per candidate that keeps them.
	slot []int32
	rows []float32
}

// NewRanker returns a Ranker for stores of codec c.
func NewRanker(c *Codec) *Ranker {
	r := newRanker(c.model)
	nlut := max(lutsPerScan, r.heads)
	rows := c.CodesPerEvent()
	r.codec = c
	r.flut = make([]float32, nlut*c.books.LUTSize())
	r.qlut = make([]uint8, nlut*rows*16)
	r.code = make([]byte, rows)
	r.weights = make([]float32, c.books.Parts())
	r.delta = make([]float32, c.books.Parts())
	r.fineLUT = make([]float32, nlut*c.FineBytes()*256)
	return r
}

// NewExactRanker returns a Ranker for a model without a codec: it offers RankExact and
// RetrieveExact only, the ranking such a model's float32 event vectors allow.
func NewExactRanker(m *model.Model) *Ranker { return newRanker(m) }

func newRanker(m *model.Model) *Ranker {
	cfg := m.Config()
	d, h := cfg.Dim, cfg.Heads
	nlut := max(lutsPerScan, h)
	scorer := model.NewScorer(m)
	return &Ranker{
		m:         m,
		scorer:    scorer,
		enc:       scorer.Encoder(),
		d:         d,
		heads:     h,
		topK:      cfg.TopK,
		targets:   make([]float32, nlut*d),
		queryPart: make([]float32, d),
		gq:        make([]float32, h*d),
		gqs:       make([]float32, lutsPerScan*h*d),
		qs:        make([]float32, h*d),
		queries:   make([]float32, nlut*d),
		lutScale:  make([]float32, nlut),
		lutBias:   make([]float32, nlut),
		esu:       m.NewHistory(nlut * cfg.TopK),
		ages:      make([]int32, 0, nlut*cfg.TopK),
		ends:      make([]int32, lutsPerScan),
	}
}

// lutsPerTarget is the number of lookup tables (scans) one target needs.
func (r *Ranker) lutsPerTarget(opt Options) int {
	if opt.Heads == PerHead {
		return r.heads
	}
	return 1
}

// Rank scores every candidate against the store's history and orders them, best first.
func (r *Ranker) Rank(s *Store, cands []Candidate, opt Options) (Result, error) {
	opt, err := r.resolve(opt, s)
	if err != nil {
		return Result{}, err
	}
	per := r.lutsPerTarget(opt)
	chunk := max(1, lutsPerScan/per)
	r.grow(s.Len(), chunk*per, opt)
	r.scores = resize(r.scores, len(cands))
	r.slot = resize(r.slot, s.Len())
	clear(r.slot)
	r.rows = r.rows[:0]
	var tm Timings
	read := 0
	// The candidates of a request share their query: its part of the target vectors is
	// encoded once per run of equal (query, kind).
	var query queryKey
	for start := 0; start < len(cands); start += chunk {
		part := cands[start:min(start+chunk, len(cands))]
		t0 := time.Now()
		for c, cand := range part {
			t := r.targets[c*r.d : (c+1)*r.d]
			if err := r.target(t, &query, cand); err != nil {
				return Result{}, wrap(err, "retrieval: candidate "+strconv.Itoa(start+c))
			}
		}
		hd := r.heads * r.d
		if err := r.scorer.GSUQueries(r.gqs[:len(part)*hd], r.targets[:len(part)*r.d]); err != nil {
			return Result{}, err
		}
		for c := range part {
			if err := r.tables(c*per, r.gqs[c*hd:(c+1)*hd], opt); err != nil {
				return Result{}, err
			}
		}
		t1 := time.Now()
		r.scan(s, len(part)*per, opt)
		t2 := time.Now()
		tm.Targets += t1.Sub(t0)
		tm.Scan += t2.Sub(t1)
		r.esu.Reset()
		r.ages = r.ages[:0]
		for c := range part {
			r.kept = r.kept[:0]
			for l := c * per; l < (c+1)*per; l++ {
				r.selectTable(s, l, opt)
			}
			r.union()
			read += len(r.kept)
			t3 := time.Now()
			if err := r.appendKept(s, opt.ESU); err != nil {
				return Result{}, err
			}
			r.ends[c] = int32(r.esu.Len())
			t4 := time.Now()
			tm.Select += t3.Sub(t2)
			tm.ESU += t4.Sub(t3)
			t2 = t4
		}
		scores := r.scores[start : start+len(part)]
		if err := r.scorer.ScoreSpans(scores, r.esu, r.targets[:len(part)*r.d], r.ends[:len(part)], r.ages); err != nil {
			return Result{}, err
		}
		tm.ESU += time.Since(t2)
	}
	return Result{Order: r.sortOrder(), Scores: r.scores, EventsRead: read, Timings: tm}, nil
}

// queryKey names the query whose part r.queryPart holds.
type queryKey struct {
	query string
	kind  data.Kind
	set   bool
}

// target writes the target vector of cand to t, from the query part of the last candidate when
// cand has the same query and kind.
func (r *Ranker) target(t []float32, last *queryKey, cand Candidate) error {
	key := queryKey{query: cand.Query, kind: cand.Kind, set: true}
	if *last != key {
		if err := r.enc.QueryPart(r.queryPart, cand.Query, cand.Kind); err != nil {
			return err
		}
		*last = key
	}
	return r.enc.EventVectorWithQuery(t, r.queryPart, cand.Item)
}

// Retrieve returns the events the approximate GSU keeps for the target vector t (length d),
// ascending. The result aliases the Ranker and changes with its next call.
func (r *Ranker) Retrieve(s *Store, t []float32, opt Options) ([]int32, error) {
	opt, err := r.resolve(opt, s)
	if err != nil {
		return nil, err
	}
	if len(t) != r.d {
		return nil, &model.LengthError{What: "target vector", Got: len(t), Want: r.d}
	}
	per := r.lutsPerTarget(opt)
	r.grow(s.Len(), per, opt)
	if err := r.m.GSUQueries(r.gq, t); err != nil {
		return nil, err
	}
	if err := r.tables(0, r.gq, opt); err != nil {
		return nil, err
	}
	r.scan(s, per, opt)
	r.kept = r.kept[:0]
	for l := range per {
		r.selectTable(s, l, opt)
	}
	r.union()
	return r.kept, nil
}

// grow sizes the score buffers for a history of n events and nlut tables per scan.
func (r *Ranker) grow(n, nlut int, opt Options) {
	if r.codec.Bits() == 4 {
		r.s16 = resize(r.s16, nlut*fastscan.Blocks(n)*fastscan.BlockSize)
	} else {
		r.sf = resize(r.sf, nlut*n)
	}
	if r.correct {
		r.clut = resize(r.clut, len(r.flut))
	}
	k := opt.Shortlist
	r.short = resize(r.short, k)[:0]
	r.shortScore = resize(r.shortScore, k)
	r.pick = resize(r.pick, opt.K)[:0]
	r.kept = resize(r.kept, r.lutsPerTarget(opt)*min(opt.K, n))[:0]
}

// resize returns x with length n, reallocated only if its capacity is short.
func resize[T any](x []T, n int) []T {
	if cap(x) < n {
		return make([]T, n)
	}
	return x[:n]
}

// tables builds the lookup tables of a target from its folded queries gq (Heads×d), from table
// l on: one for merged heads, one per head otherwise. Their retrieval vectors go to r.queries.
func (r *Ranker) tables(l int, gq []float32, opt Options) error {
	d := r.d
	r.mergeHeads(r.qs, gq, opt)
	for i := range r.lutsPerTarget(opt) {
		q := r.queries[(l+i)*d : (l+i+1)*d]
		copy(q, r.qs[i*d:(i+1)*d])
		if err := r.table(l+i, q, r.weights); err != nil {
			return err
		}
	}
	return nil
}

// retrievalVectors writes the retrieval vectors of target t to the rows of dst: the heads'
// folded queries q̃_h, or their sum q̄.
func (r *Ranker) retrievalVectors(dst, t []float32, opt Options) error {
	if err := r.m.GSUQueries(r.gq, t); err != nil {
		return err
	}
	r.mergeHeads(dst, r.gq, opt)
	return nil
}

// mergeHeads writes the retrieval vectors of the folded queries gq to the rows of dst: gq
// itself per head, or q̄ = Σ_h q̃_h.
func (r *Ranker) mergeHeads(dst, gq []float32, opt Options) {
	d := r.d
	if opt.Heads == PerHead {
		copy(dst, gq)
		return
	}
	q := dst[:d]
	copy(q, gq[:d])
	for h := 1; h < r.heads; h++ {
		kernels.Axpy(1, gq[h*d:(h+1)*d], q)
	}
}

// table builds table l of retrieval vector q: the float table, and at 4 bits its uint8 form.
func (r *Ranker) table(l int, q, weights []float32) error {
	size := r.codec.books.LUTSize()
	flut := r.flut[l*size : (l+1)*size]
	if err := r.codec.books.BuildLUT(flut, q, weights); err != nil {
		return wrap(err, "retrieval")
	}
	if r.codec.Bits() == 4 {
		rows := r.codec.CodesPerEvent()
		scale, bias, err := fastscan.QuantizeLUT(r.qlut[l*rows*16:(l+1)*rows*16], flut, rows)
		if err != nil {
			return wrap(err, "retrieval")
		}
		r.lutScale[l], r.lutBias[l] = scale, bias
	}
	if r.correct {
		if err := r.codec.books.BuildLUT(r.clut[l*size:(l+1)*size], q, r.delta); err != nil {
			return wrap(err, "retrieval")
		}
	}
	if r.fineRefine {
		size := r.codec.fine.LUTSize()
		if err := r.codec.fine.BuildLUT(r.fineLUT[l*size:(l+1)*size], q); err != nil {
			return wrap(err, "retrieval")
		}
	}
	return nil
}

// scan scores every event of s against tables 0..nlut-1. A history the GSU keeps whole needs
// no scores.
func (r *Ranker) scan(s *Store, nlut int, opt Options) {
	n, rows := s.Len(), r.codec.CodesPerEvent()
	if n <= opt.K {
		return
	}
	if r.codec.Bits() == 4 {
		nblocks := fastscan.Blocks(n)
		// Lengths were sized by grow and the tables come from QuantizeLUT: the scan cannot fail.
		_ = fastscan.ScanMulti4(r.qlut[:nlut*rows*16], s.codes, nblocks, rows, r.s16[:nlut*nblocks*fastscan.BlockSize])
		return
	}
	size := r.codec.books.LUTSize()
	for l := range nlut {
		_ = fastscan.Scan8(r.flut[l*size:(l+1)*size], s.codes, n, rows, r.sf[l*n:(l+1)*n])
	}
}

// selectTable appends to r.kept the best K events by table l's scores, refined from a
// shortlist when opt asks for one.
func (r *Ranker) selectTable(s *Store, l int, opt Options) {
	n := s.Len()
	if n <= opt.K {
		if len(r.kept) == 0 {
			for j := range n {
				r.kept = append(r.kept, int32(j))
			}
		}
		return
	}
	size := min(opt.Shortlist, n)
	// The shortlist lists later events first, so that the refined selection breaks ties for
	// them, as the exact GSU does.
	if r.codec.Bits() == 4 {
		stride := fastscan.Blocks(n) * fastscan.BlockSize
		r.short = fastscan.TopK16(r.s16[l*stride:l*stride+n], size, r.short)
		slices.Reverse(r.short)
	} else {
		r.short = topKLatest(r.sf[l*n:(l+1)*n], size, r.short)
	}
	if size == opt.K {
		r.kept = append(r.kept, r.short...)
		return
	}
	scores := r.shortScore[:size]
	r.refine(s, l, scores, opt.Refine)
	r.pick = fastscan.TopKFloat(scores, opt.K, r.pick)
	for _, i := range r.pick {
		r.kept = append(r.kept, r.short[i])
	}
}

// refine writes the scores of the shortlist's events for table l to scores: from the int8
// copies plus the weights' correction through the coarse codes, from the coarse codes through
// the float table, or, when the store keeps fine codes, from the scan's coarse score plus the
// fine table's. The refine step exists to order the shortlist by the fine residual: the scan's
// quantized sum, bias + scale·q, stays within CodesPerEvent·scale/2 of the float table's coarse
// score and saves two thirds of the lookups.
func (r *Ranker) refine(s *Store, l int, scores []float32, from Vectors) {
	n, m := s.Len(), r.codec.CodesPerEvent()
	if r.fineRefine {
		// fineRefine implies FromCodes and a two-stage codec, which is 4-bit: s16 holds the
		// scan's sums.
		stride := fastscan.Blocks(n) * fastscan.BlockSize
		s16 := r.s16[l*stride : (l+1)*stride]
		scale, bias := r.lutScale[l], r.lutBias[l]
		for i, j := range r.short {
			scores[i] = bias + scale*float32(s16[j])
		}
		fsize := r.codec.fine.LUTSize()
		_ = fastscan.GatherADC8(scores, r.fineLUT[l*fsize:(l+1)*fsize], s.fine, n, r.codec.FineBytes(), r.short)
		return
	}
	size := r.codec.books.LUTSize()
	lut := r.flut[l*size : (l+1)*size]
	if from == FromInt8 {
		q := r.queries[l*r.d : (l+1)*r.d]
		for i, j := range r.short {
			scores[i] = dotInt8(q, s.int8s[int(j)*r.d:int(j+1)*r.d], s.scale[j])
		}
		if !r.correct {
			return
		}
		lut = r.clut[l*size : (l+1)*size]
	} else {
		clear(scores)
	}
	// The shortlist comes from this store's scores and the tables have the codec's shape:
	// the gathers cannot fail.
	if r.codec.Bits() == 8 {
		_ = fastscan.GatherADC8(scores, lut, s.codes, n, m, r.short)
	} else {
		_ = fastscan.GatherADC4(scores, lut, s.codes, n, m, r.short)
	}
}

// union sorts r.kept and drops repeats.
func (r *Ranker) union() {
	slices.Sort(r.kept)
	r.kept = slices.Compact(r.kept)
}

// appendKept appends the vectors of the kept events to r.esu, in the order of r.kept.
func (r *Ranker) appendKept(s *Store, from Vectors) error {
	last := int32(s.Len() - 1)
	for _, j := range r.kept {
		if err := r.esu.Append(r.decoded(s, j, from)); err != nil {
			return err
		}
		r.ages = append(r.ages, last-j)
	}
	return nil
}

// decoded returns event j's vector from the source from, decoding it on the first request of
// the rank call (the slot table is reset per call, and a call has one source).
func (r *Ranker) decoded(s *Store, j int32, from Vectors) []float32 {
	d := r.d
	if k := int(r.slot[j]); k != 0 {
		return r.rows[(k-1)*d : k*d]
	}
	k := len(r.rows) / d
	r.rows = slices.Grow(r.rows, d)[:len(r.rows)+d]
	row := r.rows[k*d : (k+1)*d]
	s.vector(row, int(j), from, r.code)
	r.slot[j] = int32(k + 1)
	return row
}

// sortOrder orders the candidates by descending score, ties by lower index.
func (r *Ranker) sortOrder() []int32 {
	r.order = resize(r.order, len(r.scores))
	for i := range r.order {
		r.order[i] = int32(i)
	}
	scores := r.scores
	slices.SortFunc(r.order, func(a, b int32) int {
		switch sa, sb := scores[a], scores[b]; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return int(a - b)
	})
	return r.order
}

// topKLatest returns the indices of the k largest scores, ties going to the later index, in
// decreasing order. It reverses scores in place.
func topKLatest(scores []float32, k int, idx []int32) []int32 {
	slices.Reverse(scores)
	idx = fastscan.TopKFloat(scores, k, idx)
	last := int32(len(scores) - 1)
	for i, j := range idx {
		idx[i] = last - j
	}
	return idx
}

var errNilHistory = errors.New("retrieval: nil history")
