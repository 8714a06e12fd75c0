package model

import (
	"errors"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
)

// Modality indexes the item modalities, in the order of Params.GateLogits and Params.Proj.
// Dense slot k is ModalityDense + k.
type Modality int

const (
	ModalityID Modality = iota
	ModalityText
	ModalityAttrs
	ModalityDense

	numFixedModalities = int(ModalityDense)
)

// Mask is a set of modalities, bit m standing for Modality m.
type Mask uint32

// Has reports whether mod is in the set.
func (s Mask) Has(mod Modality) bool { return s&(1<<mod) != 0 }

// Part indexes the additive parts of an event vector: s = Σ_p u_p, with u_query = α q and, for an
// item modality m, u_m = (1−α) g_m G_m e_m (PartDense sums every dense slot). Product
// quantization gives each part its own codebook.
type Part int

const (
	PartQuery Part = iota
	PartID
	PartText
	PartAttrs
	PartDense
	// NumParts is the number of parts: an event's parts are a NumParts×d matrix.
	NumParts = 5
)

var partNames = [NumParts]string{"query", "id", "text", "attrs", "dense"}

func (p Part) String() string {
	if p < 0 || p >= NumParts {
		return "Part(" + strconv.Itoa(int(p)) + ")"
	}
	return partNames[p]
}

func partOf(mod Modality) Part {
	if mod >= ModalityDense {
		return PartDense
	}
	return Part(mod) + PartID
}

// CheckItem reports whether it can be encoded: not nil, no more dense slots than the model has,
// and every dense vector present of its slot's width.
func (m *Model) CheckItem(it *data.Item) error {
	if it == nil {
		return errors.New("model: nil item")
	}
	dims := m.cfg.DenseDims
	if len(it.Dense) > len(dims) {
		return errors.New("model: item " + strconv.Quote(it.ID) + " has " + strconv.Itoa(len(it.Dense)) +
			" dense slots, the model has " + strconv.Itoa(len(dims)))
	}
	for k, x := range it.Dense {
		if x != nil && len(x) != dims[k] {
			return errors.New("model: item " + strconv.Quote(it.ID) + ": dense slot " + strconv.Itoa(k) +
				" has width " + strconv.Itoa(len(x)) + ", want " + strconv.Itoa(dims[k]))
		}
	}
	return nil
}

// Present returns the modalities it has: a non-empty ID, Text with at least one word, at least
// one attribute, and each non-nil dense vector. it must pass CheckItem.
func (m *Model) Present(it *data.Item) Mask {
	var s Mask
	if it.ID != "" {
		s |= 1 << ModalityID
	}
	if hasTokens(it.Text) {
		s |= 1 << ModalityText
	}
	if len(it.Attrs) > 0 {
		s |= 1 << ModalityAttrs
	}
	for k, x := range it.Dense {
		if x != nil {
			s |= 1 << (ModalityDense + Modality(k))
		}
	}
	return s
}

// Alpha returns the pair mixing weight α = sigmoid(AlphaLogit).
func (m *Model) Alpha() float32 { return sigmoid(m.Params.AlphaLogit[0]) }

// Gates writes the fusion gates of an item with the modalities present to dst (length
// NumModalities): the softmax of the gate logits over the present modalities, zero elsewhere.
// With no modality present every gate is zero.
func (m *Model) Gates(dst []float32, present Mask) error {
	if nm := m.cfg.NumModalities(); len(dst) != nm {
		return &LengthError{"gates", len(dst), nm}
	}
	m.gates(dst, present)
	return nil
}

func (m *Model) gates(dst []float32, present Mask) {
	clear(dst)
	maxLogit := float32(math.Inf(-1))
	for i, l := range m.Params.GateLogits {
		if present.Has(Modality(i)) && l > maxLogit {
			maxLogit = l
		}
	}
	var sum float32
	for i, l := range m.Params.GateLogits {
		if present.Has(Modality(i)) {
			dst[i] = float32(math.Exp(float64(l - maxLogit)))
			sum += dst[i]
		}
	}
	if sum > 0 {
		kernels.Scale(1/sum, dst)
	}
}

// Modalities writes the raw modality embeddings e_m of it to the rows of dst (NumModalities×d),
// zero rows for the modalities it lacks, and returns the set it has:
//   - id: its row of the id table;
//   - text: the mean of the token rows of its words and bigrams;
//   - attrs: the sum of the rows of its field=value pairs;
//   - dense slot k: DenseW[k]·x + DenseB[k].
func (m *Model) Modalities(dst []float32, it *data.Item) (Mask, error) {
	d, nm := m.cfg.Dim, m.cfg.NumModalities()
	if len(dst) != nm*d {
		return 0, &LengthError{"modality matrix", len(dst), nm * d}
	}
	if err := m.CheckItem(it); err != nil {
		return 0, err
	}
	present := m.Present(it)
	for mod := range Modality(nm) {
		row := dst[int(mod)*d : int(mod+1)*d]
		if present.Has(mod) {
			m.encodeModality(row, mod, it)
		} else {
			clear(row)
		}
	}
	return present, nil
}

// Query writes the query embedding of an event to dst (length d): the mean of the token rows of
// the query, or the NoQuery embedding for a browse event or a query without words.
func (m *Model) Query(dst []float32, query string, kind data.Kind) error {
	if len(dst) != m.cfg.Dim {
		return &LengthError{"query vector", len(dst), m.cfg.Dim}
	}
	m.encodeQuery(dst, query, kind)
	return nil
}

func (m *Model) encodeQuery(dst []float32, query string, kind data.Kind) {
	if kind == data.Browse || !m.encodeText(dst, query) {
		copy(dst, m.Params.NoQuery)
	}
}

func (m *Model) encodeModality(dst []float32, mod Modality, it *data.Item) {
	switch mod {
	case ModalityID:
		copy(dst, m.row(m.Params.IDEmb, HashID(it.ID), m.cfg.IDBuckets))
	case ModalityText:
		m.encodeText(dst, it.Text)
	case ModalityAttrs:
		clear(dst)
		sum := rowSum{dst: dst, table: m.Params.AttrEmb}
		for _, a := range it.Attrs {
			sum.add(Bucket(HashAttr(a.Field, a.Value), m.cfg.AttrBuckets))
		}
		sum.flush()
	default:
		k := int(mod - ModalityDense)
		kernels.MatVec(dst, m.Params.DenseW[k], it.Dense[k])
		kernels.Add(dst, dst, m.Params.DenseB[k])
	}
}

// encodeText writes the mean of the token rows of text to dst and reports whether it has any.
func (m *Model) encodeText(dst []float32, text string) bool {
	clear(dst)
	sum := rowSum{dst: dst, table: m.Params.TokenEmb}
	n := 0
	tokens := NewTokens(text)
	for h, ok := tokens.Next(); ok; h, ok = tokens.Next() {
		sum.add(Bucket(h, m.cfg.TokenBuckets))
		n++
	}
	sum.flush()
	if n > 0 {
		kernels.Scale(1/float32(n), dst)
	}
	return n > 0
}

// rowBatch is how many table rows a rowSum gathers per kernel call: most texts fit in one.
const rowBatch = 32

// rowSum adds rows of an embedding table to dst in order, gathering their indices so that one
// kernels.AddRows call adds a batch of them (a call per row costs more than its additions in
// wasm). It lives on the stack of its caller.
type rowSum struct {
	dst, table []float32
	rows       [rowBatch]int32
	n          int
}

// add queues row r (a bucket, so below MaxBuckets and inside int32).
func (s *rowSum) add(r int) {
	if s.n == rowBatch {
		s.flush()
	}
	s.rows[s.n] = int32(r)
	s.n++
}

// flush adds the queued rows to dst.
func (s *rowSum) flush() {
	kernels.AddRows(s.dst, s.table, s.rows[:s.n])
	s.n = 0
}

func (m *Model) row(table []float32, h uint64, rows int) []float32 {
	d := m.cfg.Dim
	r := Bucket(h, rows)
	return table[r*d : r*d+d]
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// Encoder computes event vectors and their parts. It owns work buffers: one Encoder per
// goroutine. Its methods allocate nothing.
type Encoder struct {
	m     *Model
	parts []float32 // NumParts×d
	e, ge []float32 // a modality embedding and its projection G_m e
	gates []float32
}

// NewEncoder returns an Encoder for m.
func NewEncoder(m *Model) *Encoder {
	d := m.cfg.Dim
	return &Encoder{
		m:     m,
		parts: make([]float32, NumParts*d),
		e:     make([]float32, d),
		ge:    make([]float32, d),
		gates: make([]float32, m.cfg.NumModalities()),
	}
}

// EventParts writes the parts of the event vector of (query, kind, it) to the rows of dst
// (NumParts×d, row p = Part p). The item parts are zero for the modalities the item lacks, and an
// item with no modality at all has an item vector of zero.
func (e *Encoder) EventParts(dst []float32, query string, kind data.Kind, it *data.Item) error {
	if want := NumParts * e.m.cfg.Dim; len(dst) != want {
		return &LengthError{"parts matrix", len(dst), want}
	}
	if err := e.m.CheckItem(it); err != nil {
		return err
	}
	e.eventParts(dst, query, kind, it)
	return nil
}

// EventVector writes the event vector s = α q + (1−α) Σ_m g_m G_m e_m of (query, kind, it) to dst
// (length d); it is the sum of the EventParts, added in Part order.
func (e *Encoder) EventVector(dst []float32, query string, kind data.Kind, it *data.Item) error {
	if len(dst) != e.m.cfg.Dim {
		return &LengthError{"event vector", len(dst), e.m.cfg.Dim}
	}
	if err := e.m.CheckItem(it); err != nil {
		return err
	}
	e.eventVector(dst, query, kind, it)
	return nil
}

// AppendEvent appends the event vector of (query, kind, it) to h.
func (e *Encoder) AppendEvent(h *History, query string, kind data.Kind, it *data.Item) error {
	if err := h.checkDim(e.m.cfg.Dim); err != nil {
		return err
	}
	if err := e.m.CheckItem(it); err != nil {
		return err
	}
	e.eventVector(h.grow(), query, kind, it)
	return nil
}

func (e *Encoder) eventVector(dst []float32, query string, kind data.Kind, it *data.Item) {
	d := e.m.cfg.Dim
	e.eventParts(e.parts, query, kind, it)
	copy(dst, e.parts[:d])
	for p := 1; p < NumParts; p++ {
		kernels.Axpy(1, e.parts[p*d:(p+1)*d], dst)
	}
}

// QueryPart writes the query part u_query = α q of (query, kind) to dst (length d): the part
// that every event of one query shares, so that a caller encoding several items under one
// query computes it once (see EventVectorWithQuery).
func (e *Encoder) QueryPart(dst []float32, query string, kind data.Kind) error {
	if len(dst) != e.m.cfg.Dim {
		return &LengthError{"query part", len(dst), e.m.cfg.Dim}
	}
	e.queryPart(dst, query, kind)
	return nil
}

// EventVectorWithQuery writes to dst (length d) the event vector of item it under the query
// whose part QueryPart wrote to queryPart: the same float32 operations as EventVector, so
// the same vector.
func (e *Encoder) EventVectorWithQuery(dst, queryPart []float32, it *data.Item) error {
	d := e.m.cfg.Dim
	if len(dst) != d {
		return &LengthError{"event vector", len(dst), d}
	}
	if len(queryPart) != d {
		return &LengthError{"query part", len(queryPart), d}
	}
	if err := e.m.CheckItem(it); err != nil {
		return err
	}
	e.itemParts(e.parts, it)
	copy(dst, queryPart)
	for p := 1; p < NumParts; p++ {
		kernels.Axpy(1, e.parts[p*d:(p+1)*d], dst)
	}
	return nil
}

func (e *Encoder) eventParts(dst []float32, query string, kind data.Kind, it *data.Item) {
	e.queryPart(dst[:e.m.cfg.Dim], query, kind)
	e.itemParts(dst, it)
}

func (e *Encoder) queryPart(dst []float32, query string, kind data.Kind) {
	e.m.encodeQuery(dst, query, kind)
	kernels.Scale(e.m.Alpha(), dst)
}

// itemParts writes the item parts of it to rows 1.. of dst (NumParts×d), leaving row 0.
func (e *Encoder) itemParts(dst []float32, it *data.Item) {
	m, d := e.m, e.m.cfg.Dim
	alpha := m.Alpha()
	clear(dst[d:])
	present := m.Present(it)
	m.gates(e.gates, present)
	for mod := range Modality(len(e.gates)) {
		if !present.Has(mod) {
			continue
		}
		m.encodeModality(e.e, mod, it)
		kernels.MatVec(e.ge, m.Params.Proj[int(mod)*d*d:int(mod+1)*d*d], e.e)
		p := int(partOf(mod))
		kernels.Axpy((1-alpha)*e.gates[mod], e.ge, dst[p*d:(p+1)*d])
	}
}
