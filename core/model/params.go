package model

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Params are the weights of a model, each a row-major float32 tensor whose shape the Config fixes
// (see Model.Tensors for names and shapes). A matrix "d×n" maps an n-vector to a d-vector.
// Trainers update the values in place; the lengths must not change.
type Params struct {
	IDEmb    []float32   // IDBuckets×d
	TokenEmb []float32   // TokenBuckets×d, words and bigrams of item text and queries
	AttrEmb  []float32   // AttrBuckets×d, field=value pairs
	DenseW   [][]float32 // per dense slot k: d×DenseDims[k]
	DenseB   [][]float32 // per dense slot: d
	NoQuery  []float32   // d, stands in for the query of browse events and empty queries
	// GateLogits holds one logit per modality (see Modality); the fusion gates are their softmax
	// over the modalities an item has.
	GateLogits []float32
	// Proj holds the modality projections G_m, NumModalities matrices of d×d.
	Proj []float32
	// AlphaLogit is the single logit of the pair mixing weight α = sigmoid(AlphaLogit[0]).
	AlphaLogit []float32
	GSUQ, GSUK []float32 // d×d each; head h owns output rows [h·d/H, (h+1)·d/H)
	ESUQ, ESUK []float32 // d×d each, heads as in the GSU
	ESUV       []float32 // d×d, heads as in the GSU
	ESUO       []float32 // d×d, mixes the concatenated head outputs
	// ESUAge is AgeBuckets×Heads: row b holds each head's attention-logit bias for events of age
	// bucket b (see AgeBucket); empty when the configuration has no age buckets.
	ESUAge []float32
	// MLPW and MLPB are the scoring MLP's layers: input 3d, then MLPHidden, then one logit.
	// Layer l has MLPW[l] of out×in and MLPB[l] of out.
	MLPW, MLPB [][]float32
}

// Tensor is one named parameter tensor. Data aliases the model's Params.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Model is a SEMINAR model: its configuration and parameters. Its methods only read it, so it is
// safe for concurrent use as long as nobody writes Params meanwhile.
type Model struct {
	Params Params
	cfg    Config
	flat   []float32
}

// New returns a model with parameters initialised at random from c.Seed: embeddings ~ N(0, 0.1²),
// linear maps with Xavier scales, ReLU layers with He scales, biases and gate logits zero (equal
// gates), α = 1/2 and every G_m the identity. Each tensor draws from its own PCG stream keyed by
// the seed and the tensor's name, so the same seed and Go release give the same model.
func New(c Config) (*Model, error) {
	m, err := NewZero(c)
	if err != nil {
		return nil, err
	}
	d := m.cfg.Dim
	for _, spec := range tensorSpecs(m.cfg, &m.Params) {
		data := *spec.data
		switch spec.init {
		case initNormal:
			r := rand.New(rand.NewPCG(m.cfg.Seed, HashID(spec.name)))
			for i := range data {
				data[i] = float32(r.NormFloat64() * spec.std)
			}
		case initIdentity:
			for i := 0; i < len(data); i += d * d {
				for j := range d {
					data[i+j*d+j] = 1
				}
			}
		}
	}
	return m, nil
}

// NewZero returns a model of configuration c whose parameters are all zero, for loaders that fill
// them through Tensors.
func NewZero(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: c.clone()}
	m.flat = make([]float32, m.cfg.NumParams())
	off := 0
	for _, spec := range tensorSpecs(m.cfg, &m.Params) {
		n := spec.size()
		*spec.data = m.flat[off : off+n : off+n]
		off += n
	}
	return m, nil
}

// Config returns a copy of the model's configuration.
func (m *Model) Config() Config { return m.cfg.clone() }

// Dim returns the embedding width d.
func (m *Model) Dim() int { return m.cfg.Dim }

// Tensors lists every parameter tensor in a fixed order (the model file's order), each Data
// aliasing Params.
func (m *Model) Tensors() []Tensor {
	specs := tensorSpecs(m.cfg, &m.Params)
	ts := make([]Tensor, len(specs))
	for i, spec := range specs {
		ts[i] = Tensor{Name: spec.name, Shape: spec.shape, Data: *spec.data}
	}
	return ts
}

// Flat returns all parameters as one slice in Tensors order; it aliases Params, so optimisers
// can treat the model as one vector.
func (m *Model) Flat() []float32 { return m.flat }

type initKind uint8

const (
	initZero initKind = iota
	initNormal
	initIdentity
)

type tensorSpec struct {
	name  string
	shape []int
	init  initKind
	std   float64
	data  *[]float32
}

func (s tensorSpec) size() int {
	n := 1
	for _, v := range s.shape {
		n *= v
	}
	return n
}

const embeddingStd = 0.1

// tensorSpecs is the single list of parameter tensors: names, shapes, initialisation, and where
// each lives in p (whose per-slot and per-layer slices it sizes).
func tensorSpecs(c Config, p *Params) []tensorSpec {
	d, nm := c.Dim, c.NumModalities()
	if len(p.DenseW) != len(c.DenseDims) {
		p.DenseW = make([][]float32, len(c.DenseDims))
		p.DenseB = make([][]float32, len(c.DenseDims))
	}
	nl := len(c.MLPHidden) + 1
	if len(p.MLPW) != nl {
		p.MLPW = make([][]float32, nl)
		p.MLPB = make([][]float32, nl)
	}
	specs := []tensorSpec{
		{"emb.id", []int{c.IDBuckets, d}, initNormal, embeddingStd, &p.IDEmb},
		{"emb.token", []int{c.TokenBuckets, d}, initNormal, embeddingStd, &p.TokenEmb},
		{"emb.attr", []int{c.AttrBuckets, d}, initNormal, embeddingStd, &p.AttrEmb},
	}
	for k, in := range c.DenseDims {
		name := "dense." + strconv.Itoa(k)
		specs = append(specs,
			tensorSpec{name + ".w", []int{d, in}, initNormal, xavier(in, d), &p.DenseW[k]},
			tensorSpec{name + ".b", []int{d}, initZero, 0, &p.DenseB[k]})
	}
	specs = append(specs,
		tensorSpec{"query.none", []int{d}, initNormal, embeddingStd, &p.NoQuery},
		tensorSpec{"fusion.gate", []int{nm}, initZero, 0, &p.GateLogits},
		tensorSpec{"fusion.proj", []int{nm, d, d}, initIdentity, 0, &p.Proj},
		tensorSpec{"pair.alpha", []int{1}, initZero, 0, &p.AlphaLogit},
		tensorSpec{"gsu.q", []int{d, d}, initNormal, xavier(d, d), &p.GSUQ},
		tensorSpec{"gsu.k", []int{d, d}, initNormal, xavier(d, d), &p.GSUK},
		tensorSpec{"esu.q", []int{d, d}, initNormal, xavier(d, d), &p.ESUQ},
		tensorSpec{"esu.k", []int{d, d}, initNormal, xavier(d, d), &p.ESUK},
		tensorSpec{"esu.v", []int{d, d}, initNormal, xavier(d, d), &p.ESUV},
		tensorSpec{"esu.o", []int{d, d}, initNormal, xavier(d, d), &p.ESUO},
	)
	if c.AgeBuckets > 0 {
		// Zero bias: a new model attends as one without age buckets until training says otherwise.
		specs = append(specs, tensorSpec{"esu.age", []int{c.AgeBuckets, c.Heads}, initZero, 0, &p.ESUAge})
	}
	in := 3 * d
	for l := range nl {
		out, std := 1, xavier(in, 1)
		if l < len(c.MLPHidden) {
			out, std = c.MLPHidden[l], math.Sqrt(2/float64(in))
		}
		name := "mlp." + strconv.Itoa(l)
		specs = append(specs,
			tensorSpec{name + ".w", []int{out, in}, initNormal, std, &p.MLPW[l]},
			tensorSpec{name + ".b", []int{out}, initZero, 0, &p.MLPB[l]})
		in = out
	}
	return specs
}

func xavier(in, out int) float64 { return math.Sqrt(2 / float64(in+out)) }

// LengthError reports an argument whose length does not fit the model.
type LengthError struct {
	What      string
	Got, Want int
}

func (e *LengthError) Error() string {
	return "model: " + e.What + " has length " + strconv.Itoa(e.Got) + ", want " + strconv.Itoa(e.Want)
}
