package autodiff

import (
	"errors"
	"math"
)

// Grads holds the gradient of every param of one Params: a dense buffer for dense params and
// the touched rows for sparse ones. Gradients accumulate (over examples, over tapes) until Zero.
type Grads struct {
	params *Params
	dense  [][]float32   // by param index; nil for sparse params
	sparse []*sparseGrad // by param index; nil for dense params
}

// sparseGrad is the gradient of an embedding table restricted to its touched rows.
type sparseGrad struct {
	cols int
	rows int
	// slot[id] is 1 + the position of row id in ids, 0 when untouched. It is allocated on the
	// first touch: four bytes a row buys O(1) lookups and an O(touched) reset.
	slot []int32
	ids  []int32   // touched rows in first-touch order
	data []float32 // len(ids)×cols, row k is the gradient of row ids[k]
}

// NewGrads returns zero gradients for every param of s, sized for the params added so far.
func (s *Params) NewGrads() *Grads {
	g := &Grads{
		params: s,
		dense:  make([][]float32, len(s.list)),
		sparse: make([]*sparseGrad, len(s.list)),
	}
	for i, p := range s.list {
		if p.Sparse {
			g.sparse[i] = &sparseGrad{cols: p.Cols, rows: p.Rows}
		} else {
			g.dense[i] = make([]float32, len(p.Data))
		}
	}
	return g
}

// Params returns the set these gradients belong to.
func (g *Grads) Params() *Params { return g.params }

// owns reports whether p has a buffer in g.
func (g *Grads) owns(p *Param) bool {
	return p != nil && p.set == g.params && p.index < len(g.dense)
}

// Dense returns the gradient buffer of a dense param (same layout as p.Data), or nil when p is
// sparse or not one of g's params.
func (g *Grads) Dense(p *Param) []float32 {
	if !g.owns(p) {
		return nil
	}
	return g.dense[p.index]
}

// Rows returns the touched rows of a sparse param in first-touch order and their gradients:
// row ids[k] has gradient data[k*p.Cols:(k+1)*p.Cols]. Both are nil when p is dense, untouched
// or not one of g's params. The slices are g's own and valid until the next change to g.
func (g *Grads) Rows(p *Param) (ids []int32, data []float32) {
	if !g.owns(p) || g.sparse[p.index] == nil {
		return nil, nil
	}
	sg := g.sparse[p.index]
	return sg.ids, sg.data
}

// Zero clears every gradient; sparse params forget their touched rows. Memory is kept.
func (g *Grads) Zero() {
	for _, d := range g.dense {
		clear(d)
	}
	for _, sg := range g.sparse {
		if sg != nil {
			sg.reset()
		}
	}
}

// Add accumulates o into g: g += o. Rows that o touched become touched in g, in o's order.
func (g *Grads) Add(o *Grads) error {
	if o.params != g.params || len(o.dense) != len(g.dense) {
		return errors.New("autodiff: adding gradients of different params")
	}
	for i, d := range o.dense {
		if d != nil {
			dst := g.dense[i]
			for j, v := range d {
				dst[j] += v
			}
		}
	}
	for i, sg := range o.sparse {
		if sg == nil {
			continue
		}
		dst := g.sparse[i]
		for k, id := range sg.ids {
			row := dst.row(id)
			src := sg.data[k*sg.cols : (k+1)*sg.cols]
			for j, v := range src {
				row[j] += v
			}
		}
	}
	return nil
}

// Scale multiplies every gradient by c.
func (g *Grads) Scale(c float32) {
	for _, d := range g.dense {
		for j := range d {
			d[j] *= c
		}
	}
	for _, sg := range g.sparse {
		if sg != nil {
			for j := range sg.data {
				sg.data[j] *= c
			}
		}
	}
}

// Norm returns the global L2 norm of all gradients (dense buffers and touched rows), summed in
// float64 in param order.
func (g *Grads) Norm() float64 {
	var s float64
	for _, d := range g.dense {
		for _, v := range d {
			s += float64(v) * float64(v)
		}
	}
	for _, sg := range g.sparse {
		if sg != nil {
			for _, v := range sg.data {
				s += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(s)
}

// row returns the gradient of row id, adding it zeroed on first touch. The slice is valid until
// the next row call (data may grow).
func (sg *sparseGrad) row(id int32) []float32 {
	if sg.slot == nil {
		sg.slot = make([]int32, sg.rows)
	}
	k := sg.slot[id]
	if k == 0 {
		sg.ids = append(sg.ids, id)
		k = int32(len(sg.ids))
		sg.slot[id] = k
		sg.data = append(sg.data, make([]float32, sg.cols)...)
	}
	off := int(k-1) * sg.cols
	return sg.data[off : off+sg.cols]
}

func (sg *sparseGrad) reset() {
	for _, id := range sg.ids {
		sg.slot[id] = 0
	}
	sg.ids = sg.ids[:0]
	sg.data = sg.data[:0]
}
