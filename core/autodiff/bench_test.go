package autodiff

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rankingGraph is the representative training graph: the events are bags of two rows of a
// sparse 4096×d table, then testAttention (H heads over L events, an MLP 3d→hidden→hidden→1).
type rankingGraph struct {
	attn    testAttention
	table   *Param
	target  *Param
	weights []*Param
	ids     []int32
	keep    []bool
}

func newRankingGraph(t testing.TB, params *Params, d, heads, events, hidden int) *rankingGraph {
	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = (rng.Float32()*2 - 1) * scale
		}
		return v
	}
	g := &rankingGraph{attn: testAttention{d: d, heads: heads, events: events, hidden: hidden}}
	var err error
	g.table, err = params.Add("table", 4096, d, random(4096*d, 0.1), true)
	require.NoError(t, err)
	g.target, err = params.Add("target", 1, d, random(d, 0.1), false)
	require.NoError(t, err)
	for i, s := range g.attn.weightShapes() {
		p, err := params.Add("w"+string(rune('a'+i)), s.rows, s.cols, random(s.rows*s.cols, 0.1), false)
		require.NoError(t, err)
		g.weights = append(g.weights, p)
	}
	for range 2 * events {
		g.ids = append(g.ids, rng.Int32N(4096))
	}
	for i := range events {
		g.keep = append(g.keep, i%8 != 7)
	}
	return g
}

func (g *rankingGraph) record(t *Tape) Var {
	var w [16]Var
	for i, p := range g.weights {
		w[i] = t.Param(p)
	}
	pairs := t.Gather(g.table, g.ids) // 2L×d
	seq := t.Scale(t.Add(t.SliceRows(pairs, 0, g.attn.events), t.SliceRows(pairs, g.attn.events, 2*g.attn.events)), 0.5)
	return g.attn.loss(t, w[:len(g.weights)], seq, t.Param(g.target), g.keep, 1)
}

func TestNoAllocationsAfterWarmUp(t *testing.T) {
	params := NewParams()
	g := newRankingGraph(t, params, 16, 4, 16, 32)
	grads := params.NewGrads()
	tape := NewTape(grads)
	step := func() {
		tape.Reset()
		if err := tape.Backward(g.record(tape)); err != nil {
			t.Fatal(err)
		}
	}
	step()
	assert.Zero(t, testing.AllocsPerRun(20, step), "forward+backward")

	eval := NewTape(nil)
	forward := func() {
		eval.Reset()
		g.record(eval)
	}
	forward()
	assert.Zero(t, testing.AllocsPerRun(20, forward), "inference forward")
	require.NoError(t, eval.Err())
}

// BenchmarkRankingGraph measures one example of d=64, 4 heads over 64 events and an MLP
// 192→128→128→1: the forward pass alone (inference tape) and forward+backward with sparse
// gradients.
func BenchmarkRankingGraph(b *testing.B) {
	params := NewParams()
	g := newRankingGraph(b, params, 64, 4, 64, 128)
	b.Run("forward", func(b *testing.B) {
		tape := NewTape(nil)
		b.ReportAllocs()
		for b.Loop() {
			tape.Reset()
			g.record(tape)
		}
		require.NoError(b, tape.Err())
	})
	b.Run("forward+backward", func(b *testing.B) {
		grads := params.NewGrads()
		tape := NewTape(grads)
		b.ReportAllocs()
		for b.Loop() {
			tape.Reset()
			grads.Zero()
			if err := tape.Backward(g.record(tape)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDataParallelStep measures a mini-batch of 32 examples of the ranking graph (d=64)
// on runtime.GOMAXPROCS workers, reduction and scaling included.
func BenchmarkDataParallelStep(b *testing.B) {
	params := NewParams()
	g := newRankingGraph(b, params, 64, 4, 64, 128)
	dp, err := NewDataParallel(params, 0)
	require.NoError(b, err)
	example := func(t *Tape, _ int) (Var, error) { return g.record(t), t.Err() }
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := dp.Step(32, example); err != nil {
			b.Fatal(err)
		}
	}
}
