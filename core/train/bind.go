package train

import (
	"fmt"
	"strings"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/model"
)

// tensor is one model tensor as the tapes see it: a trainable param, or frozen data read as an
// input.
type tensor struct {
	name       string
	rows, cols int
	data       []float32
	param      *autodiff.Param // nil when frozen
}

// binding ties a model's tensors to an autodiff.Params.
type binding struct {
	m      *model.Model
	cfg    model.Config
	params *autodiff.Params

	id, token, attr      tensor // embedding tables (sparse when trainable)
	denseW, denseB       []tensor
	noQuery, gate, alpha tensor
	proj                 []tensor // one d×d G_m per modality
	projIdentity         []bool   // G_m frozen at the identity: skipped
	gsuQ, gsuK           tensor
	esuQ, esuK           tensor
	esuV, esuO           tensor
	esuAge               tensor // AgeBuckets×Heads; empty without age buckets
	mlpW, mlpB           []tensor

	keep [][]bool // keep[mask]: the modalities of mask, for the gate softmax
}

// isFrozen reports whether the tensor name is frozen by any of the patterns: an exact tensor
// name, or a prefix ending in "." (such as "emb." for every embedding table).
func isFrozen(name string, patterns []string) bool {
	for _, p := range patterns {
		if p == name || strings.HasSuffix(p, ".") && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// knownTensorPattern reports whether pattern names at least one tensor of m.
func knownTensorPattern(m *model.Model, pattern string) bool {
	for _, t := range m.Tensors() {
		if isFrozen(t.Name, []string{pattern}) {
			return true
		}
	}
	return false
}

// bind registers the tensors of m for which trainable is true; the rest are frozen. Embedding
// tables are sparse.
func bind(m *model.Model, trainable func(name string) bool) (*binding, error) {
	c := m.Config()
	b := &binding{m: m, cfg: c, params: autodiff.NewParams()}
	d := c.Dim
	byName := make(map[string]model.Tensor)
	for _, t := range m.Tensors() {
		byName[t.Name] = t
	}
	add := func(name string, rows, cols int, data []float32, sparse bool) (tensor, error) {
		t := tensor{name: name, rows: rows, cols: cols, data: data}
		if trainable(name) {
			p, err := b.params.Add(name, rows, cols, data, sparse)
			if err != nil {
				return t, fmt.Errorf("train: bind %s: %w", name, err)
			}
			t.param = p
		}
		return t, nil
	}
	whole := func(name string, sparse bool) (tensor, error) {
		t := byName[name]
		rows, cols := 1, len(t.Data)
		if len(t.Shape) == 2 {
			rows, cols = t.Shape[0], t.Shape[1]
		}
		return add(name, rows, cols, t.Data, sparse)
	}
	var err error
	for _, s := range []struct {
		dst    *tensor
		name   string
		sparse bool
	}{
		{&b.id, "emb.id", true}, {&b.token, "emb.token", true}, {&b.attr, "emb.attr", true},
	} {
		if *s.dst, err = whole(s.name, s.sparse); err != nil {
			return nil, err
		}
	}
	for k := range c.DenseDims {
		w, err := whole(fmt.Sprintf("dense.%d.w", k), false)
		if err != nil {
			return nil, err
		}
		bias, err := whole(fmt.Sprintf("dense.%d.b", k), false)
		if err != nil {
			return nil, err
		}
		b.denseW, b.denseB = append(b.denseW, w), append(b.denseB, bias)
	}
	for _, s := range []struct {
		dst  *tensor
		name string
	}{
		{&b.noQuery, "query.none"}, {&b.gate, "fusion.gate"},
	} {
		if *s.dst, err = whole(s.name, false); err != nil {
			return nil, err
		}
	}
	nm := c.NumModalities()
	proj := byName["fusion.proj"].Data
	for mod := range nm {
		// The projections are one tensor in the model; each G_m is its own param here, named
		// fusion.proj.<m>, and frozen with "fusion.proj".
		data := proj[mod*d*d : (mod+1)*d*d]
		t := tensor{name: fmt.Sprintf("fusion.proj.%d", mod), rows: d, cols: d, data: data}
		if trainable("fusion.proj") {
			if t.param, err = b.params.Add(t.name, d, d, data, false); err != nil {
				return nil, fmt.Errorf("train: bind %s: %w", t.name, err)
			}
		}
		b.proj = append(b.proj, t)
		b.projIdentity = append(b.projIdentity, t.param == nil && isIdentity(data, d))
	}
	for _, s := range []struct {
		dst  *tensor
		name string
	}{
		{&b.alpha, "pair.alpha"}, {&b.gsuQ, "gsu.q"}, {&b.gsuK, "gsu.k"},
		{&b.esuQ, "esu.q"}, {&b.esuK, "esu.k"}, {&b.esuV, "esu.v"}, {&b.esuO, "esu.o"},
	} {
		if *s.dst, err = whole(s.name, false); err != nil {
			return nil, err
		}
	}
	if c.AgeBuckets > 0 {
		if b.esuAge, err = whole("esu.age", false); err != nil {
			return nil, err
		}
	}
	for l := range len(c.MLPHidden) + 1 {
		w, err := whole(fmt.Sprintf("mlp.%d.w", l), false)
		if err != nil {
			return nil, err
		}
		bias, err := whole(fmt.Sprintf("mlp.%d.b", l), false)
		if err != nil {
			return nil, err
		}
		b.mlpW, b.mlpB = append(b.mlpW, w), append(b.mlpB, bias)
	}
	b.keep = make([][]bool, 1<<nm)
	for mask := range b.keep {
		b.keep[mask] = make([]bool, nm)
		for mod := range nm {
			b.keep[mask][mod] = model.Mask(mask).Has(model.Modality(mod))
		}
	}
	return b, nil
}

func isIdentity(w []float32, d int) bool {
	for i := range d {
		for j := range d {
			want := float32(0)
			if i == j {
				want = 1
			}
			if w[i*d+j] != want {
				return false
			}
		}
	}
	return true
}

// dense records a dense tensor on t: the param, or the frozen data as an input.
func (b *binding) dense(t *autodiff.Tape, x tensor) autodiff.Var {
	if x.param != nil {
		return t.Param(x.param)
	}
	return t.Input(x.data, x.rows, x.cols)
}

// rows records rows ids of the tensor x on t: gathered from the param, or copied from the frozen
// data into an input.
func (b *binding) rows(t *autodiff.Tape, x tensor, ids []int32, a *arena) autodiff.Var {
	if x.param != nil {
		return t.Gather(x.param, ids)
	}
	vals := a.alloc(len(ids) * x.cols)
	for i, id := range ids {
		copy(vals[i*x.cols:(i+1)*x.cols], x.data[int(id)*x.cols:int(id+1)*x.cols])
	}
	return t.Input(vals, len(ids), x.cols)
}
