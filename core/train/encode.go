package train

import (
	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/model"
)

// arena hands out float32 buffers that stay valid until reset: tape inputs are read in place
// until the tape's next Reset, so they cannot live in a slice that may be reallocated.
type arena struct {
	blocks [][]float32
	cur    int // block being filled
	off    int // first free value of blocks[cur]
}

const arenaBlock = 1 << 16

func (a *arena) reset() { a.cur, a.off = 0, 0 }

// alloc returns n zeroed values.
func (a *arena) alloc(n int) []float32 {
	for a.cur < len(a.blocks) && a.off+n > len(a.blocks[a.cur]) {
		a.cur++
		a.off = 0
	}
	if a.cur == len(a.blocks) {
		a.blocks = append(a.blocks, make([]float32, max(n, arenaBlock)))
		a.off = 0
	}
	v := a.blocks[a.cur][a.off : a.off+n : a.off+n]
	a.off += n
	clear(v)
	return v
}

// encoder records, on one tape, the vectors of the distinct items and queries of a chunk.
// Its methods allocate nothing once its buffers have grown to the largest chunk.
type encoder struct {
	b *binding
	f *features

	gen       uint32
	itemGen   []uint32 // itemGen[i] == gen when item i has a slot
	itemSlot  []int32
	items     []int32 // distinct items, in order of first use
	queryGen  []uint32
	querySlot []int32
	queries   []int32 // distinct queries (noQuery included), in order of first use

	arena arena
	vars  []autodiff.Var
	ids   []int32

	// Outputs of encode.
	alpha  autodiff.Var
	q, v   autodiff.Var   // distinct queries × d, distinct items × d
	vRow   []int32        // row of v of each distinct item
	proj   []autodiff.Var // per modality: G_m e_m of the distinct items that have it
	modRow [][]int32      // per modality: row of proj[m] of each distinct item, or -1
	masks  []model.Mask   // distinct masks, in order of first use
	groups [][]int32      // distinct items of each mask
	sums   []autodiff.Var // per mask: its fused item vectors
	gates  []autodiff.Var // per mask: the gate softmax
	modBuf [][]int32      // per modality: distinct items that have it
	rowBuf []int32
}

func newEncoder(b *binding, f *features) *encoder {
	nm := b.cfg.NumModalities()
	return &encoder{
		b: b, f: f,
		itemGen: make([]uint32, len(f.items)), itemSlot: make([]int32, len(f.items)),
		queryGen: make([]uint32, len(f.queries)+1), querySlot: make([]int32, len(f.queries)+1),
		proj: make([]autodiff.Var, nm), modRow: make([][]int32, nm), modBuf: make([][]int32, nm),
	}
}

// reset forgets the chunk's items and queries.
func (e *encoder) reset() {
	e.gen++
	if e.gen == 0 { // wrapped: every stale stamp could now look current
		clear(e.itemGen)
		clear(e.queryGen)
		e.gen = 1
	}
	e.items, e.queries = e.items[:0], e.queries[:0]
	e.arena.reset()
}

// item returns the slot of item i among the chunk's distinct items, adding it.
func (e *encoder) item(i int32) int32 {
	if e.itemGen[i] != e.gen {
		e.itemGen[i], e.itemSlot[i] = e.gen, int32(len(e.items))
		e.items = append(e.items, i)
	}
	return e.itemSlot[i]
}

// query returns the slot of query q (or noQuery) among the chunk's distinct queries, adding it.
func (e *encoder) query(q int32) int32 {
	k := q + 1 // noQuery takes index 0
	if e.queryGen[k] != e.gen {
		e.queryGen[k], e.querySlot[k] = e.gen, int32(len(e.queries))
		e.queries = append(e.queries, q)
	}
	return e.querySlot[k]
}

// encode records the vectors of every distinct item and query added since reset.
func (e *encoder) encode(t *autodiff.Tape) {
	b := e.b
	e.alpha = t.Sigmoid(b.dense(t, b.alpha))
	e.encodeQueries(t)
	e.encodeModalities(t)
	e.fuse(t)
}

func (e *encoder) encodeQueries(t *autodiff.Tape) {
	b := e.b
	e.vars = e.vars[:0]
	for _, q := range e.queries {
		if q == noQuery {
			e.vars = append(e.vars, b.dense(t, b.noQuery))
		} else {
			e.vars = append(e.vars, e.gatherMean(t, b.token, e.f.queries[q]))
		}
	}
	e.q = e.concatRows(t, e.vars)
}

func (e *encoder) encodeModalities(t *autodiff.Tape) {
	b := e.b
	for mod := range e.proj {
		have := e.modBuf[mod][:0]
		rows := growInt32(e.modRow[mod], len(e.items))
		for k, it := range e.items {
			rows[k] = -1
			if e.f.items[it].mask.Has(model.Modality(mod)) {
				rows[k] = int32(len(have))
				have = append(have, it)
			}
		}
		e.modBuf[mod], e.modRow[mod] = have, rows
		if len(have) == 0 {
			e.proj[mod] = autodiff.Var{}
			continue
		}
		var x autodiff.Var
		switch model.Modality(mod) {
		case model.ModalityID:
			e.ids = e.ids[:0]
			for _, it := range have {
				e.ids = append(e.ids, e.f.items[it].id)
			}
			x = e.gather(t, b.id, e.ids)
		case model.ModalityText:
			e.vars = e.vars[:0]
			for _, it := range have {
				e.vars = append(e.vars, e.gatherMean(t, b.token, e.f.items[it].text))
			}
			x = e.concatRows(t, e.vars)
		case model.ModalityAttrs:
			e.vars = e.vars[:0]
			for _, it := range have {
				e.vars = append(e.vars, e.gatherSum(t, b.attr, e.f.items[it].attrs))
			}
			x = e.concatRows(t, e.vars)
		default:
			k := mod - int(model.ModalityDense)
			w := b.cfg.DenseDims[k]
			in := e.arena.alloc(len(have) * w)
			for r, it := range have {
				copy(in[r*w:(r+1)*w], e.f.corpus.Items[it].Dense[k])
			}
			x = t.AddBias(t.MatMulT(t.Input(in, len(have), w), b.dense(t, b.denseW[k])), b.dense(t, b.denseB[k]))
		}
		if !b.projIdentity[mod] {
			x = t.MatMulT(x, b.dense(t, b.proj[mod]))
		}
		e.proj[mod] = x
	}
}

// fuse records v = Σ_m g_m G_m e_m for every distinct item, the gates renormalised over the
// modalities each item has: one group of items per distinct modality mask.
func (e *encoder) fuse(t *autodiff.Tape) {
	b := e.b
	d := b.cfg.Dim
	e.masks = e.masks[:0]
	for g := range e.groups {
		e.groups[g] = e.groups[g][:0]
	}
	e.vRow = growInt32(e.vRow, len(e.items))
	for k, it := range e.items {
		mask := e.f.items[it].mask
		g := 0
		for g < len(e.masks) && e.masks[g] != mask {
			g++
		}
		if g == len(e.masks) {
			e.masks = append(e.masks, mask)
			if g == len(e.groups) {
				e.groups = append(e.groups, nil)
			}
		}
		e.groups[g] = append(e.groups[g], int32(k))
	}
	logits := b.dense(t, b.gate)
	e.sums = e.sums[:0]
	e.gates = e.gates[:0]
	offset := int32(0)
	for g, mask := range e.masks {
		members := e.groups[g]
		for i, k := range members {
			e.vRow[k] = offset + int32(i)
		}
		offset += int32(len(members))
		if mask == 0 {
			e.sums = append(e.sums, t.Input(e.arena.alloc(len(members)*d), len(members), d))
			e.gates = append(e.gates, autodiff.Var{})
			continue
		}
		gates := t.MaskedSoftmax(logits, b.keep[mask])
		e.gates = append(e.gates, gates)
		var sum autodiff.Var
		for mod := range e.proj {
			if !mask.Has(model.Modality(mod)) {
				continue
			}
			x := e.proj[mod]
			if len(e.masks) > 1 {
				e.rowBuf = e.rowBuf[:0]
				for _, k := range members {
					e.rowBuf = append(e.rowBuf, e.modRow[mod][k])
				}
				x = t.GatherRows(x, e.rowBuf)
			}
			x = t.MulScalar(x, t.SliceCols(gates, mod, mod+1))
			if sum.Valid() {
				sum = t.Add(sum, x)
			} else {
				sum = x
			}
		}
		e.sums = append(e.sums, sum)
	}
	e.v = e.concatRows(t, e.sums)
}

// pairs records the event vectors s = α q + (1−α) v of the pairs (query slot qs[i], item slot
// is[i]).
func (e *encoder) pairs(t *autodiff.Tape, qs, is []int32) autodiff.Var {
	e.rowBuf = e.rowBuf[:0]
	for _, k := range is {
		e.rowBuf = append(e.rowBuf, e.vRow[k])
	}
	return t.Lerp(e.alpha, t.GatherRows(e.q, qs), t.GatherRows(e.v, e.rowBuf))
}

// gather, gatherMean and gatherSum read rows of an embedding table: through the tape when it is
// trainable, as an input computed here when it is frozen.
func (e *encoder) gather(t *autodiff.Tape, x tensor, ids []int32) autodiff.Var {
	if x.param != nil {
		return t.Gather(x.param, ids)
	}
	d := x.cols
	out := e.arena.alloc(len(ids) * d)
	for r, id := range ids {
		copy(out[r*d:(r+1)*d], x.data[int(id)*d:int(id+1)*d])
	}
	return t.Input(out, len(ids), d)
}

func (e *encoder) gatherMean(t *autodiff.Tape, x tensor, ids []int32) autodiff.Var {
	if x.param != nil {
		return t.GatherMean(x.param, ids)
	}
	out := e.sumRows(x, ids)
	inv := 1 / float32(len(ids))
	for i := range out {
		out[i] *= inv
	}
	return t.Input(out, 1, x.cols)
}

func (e *encoder) gatherSum(t *autodiff.Tape, x tensor, ids []int32) autodiff.Var {
	if x.param != nil {
		return t.GatherSum(x.param, ids)
	}
	return t.Input(e.sumRows(x, ids), 1, x.cols)
}

func (e *encoder) sumRows(x tensor, ids []int32) []float32 {
	d := x.cols
	out := e.arena.alloc(d)
	for _, id := range ids {
		row := x.data[int(id)*d : int(id+1)*d]
		for i, v := range row {
			out[i] += v
		}
	}
	return out
}

func (e *encoder) concatRows(t *autodiff.Tape, vs []autodiff.Var) autodiff.Var {
	if len(vs) == 1 {
		return vs[0]
	}
	return t.ConcatRows(vs...)
}

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, 2*n)
	}
	return s[:n]
}
