package autodiff

import (
	"errors"
	"strconv"
)

// Param is a trainable rows×cols row-major tensor. Data is a view onto storage the model owns:
// optimisers update it in place, and the model must not replace the slice while the Param is
// in use. The fields are fixed when the Param is added to its Params.
type Param struct {
	Name       string
	Rows, Cols int
	Data       []float32
	// Sparse marks an embedding table: it is read through Gather, GatherSum and GatherMean only,
	// and its gradient covers the touched rows only.
	Sparse bool

	set   *Params
	index int
}

// Params is the ordered set of a model's trainable tensors. The order of Add calls fixes the
// order in which gradients are reduced and optimisers step, so it is part of determinism.
type Params struct {
	list   []*Param
	byName map[string]*Param
}

// NewParams returns an empty set.
func NewParams() *Params {
	return &Params{byName: make(map[string]*Param)}
}

// Add registers data as a rows×cols parameter named name (unique within the set). A sparse
// parameter is an embedding table with one row per id.
func (s *Params) Add(name string, rows, cols int, data []float32, sparse bool) (*Param, error) {
	switch {
	case name == "":
		return nil, errors.New("autodiff: param with an empty name")
	case rows <= 0 || cols <= 0:
		return nil, errors.New("autodiff: param " + name + ": shape " + shapeString(rows, cols) + " is empty")
	case len(data) != rows*cols:
		return nil, errors.New("autodiff: param " + name + ": " + strconv.Itoa(len(data)) +
			" values for shape " + shapeString(rows, cols))
	}
	if _, dup := s.byName[name]; dup {
		return nil, errors.New("autodiff: param " + name + " added twice")
	}
	p := &Param{Name: name, Rows: rows, Cols: cols, Data: data, Sparse: sparse, set: s, index: len(s.list)}
	s.list = append(s.list, p)
	s.byName[name] = p
	return p, nil
}

// List returns the params in the order they were added. The slice is the set's own: do not
// modify it.
func (s *Params) List() []*Param { return s.list }

// Lookup returns the param named name.
func (s *Params) Lookup(name string) (*Param, bool) {
	p, ok := s.byName[name]
	return p, ok
}

// Len is the number of params.
func (s *Params) Len() int { return len(s.list) }

// Set returns the Params that p belongs to.
func (p *Param) Set() *Params { return p.set }

// Index is p's position in its Params.
func (p *Param) Index() int { return p.index }

func shapeString(rows, cols int) string {
	return strconv.Itoa(rows) + "×" + strconv.Itoa(cols)
}
