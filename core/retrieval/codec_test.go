package retrieval

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/pq"
)

func TestNewCodecRejects(t *testing.T) {
	m := testModel(t)
	cb := func(dim, sub, bits int) *pq.Codebook {
		c, err := pq.NewCodebook(dim, sub, bits, make([]float32, dim<<bits))
		require.NoError(t, err)
		return c
	}
	multi := func(names []string, books ...*pq.Codebook) *pq.MultiCodebook {
		mc, err := pq.NewMultiCodebook(names, books)
		require.NoError(t, err)
		return mc
	}
	tests := []struct {
		name  string
		books *pq.MultiCodebook
	}{
		{"width", multi([]string{"query"}, cb(8, 8, 4))},
		{"odd 4-bit codes", multi([]string{"query", "id"}, cb(testDim, 16, 4), cb(testDim, 1, 4))},
		{"unknown part", multi([]string{"image"}, cb(testDim, 16, 4))},
		{"repeated group", multi([]string{"id+query", "query+id"}, cb(testDim, 16, 4), cb(testDim, 16, 4))},
		{"s not decodable", multi([]string{"query+id", "id+text"}, cb(testDim, 16, 4), cb(testDim, 16, 4))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCodec(m, tt.books)
			require.Error(t, err)
		})
	}
	_, err := NewCodec(nil, multi([]string{"query"}, cb(testDim, 16, 4)))
	require.Error(t, err)
}

func TestCodecRoundTrip(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 2, 100, 300)
	for _, bits := range []int{4, 8} {
		c := trainedCodec(t, m, evs, LayoutCompact, bits)
		b, err := c.MarshalBinary()
		require.NoError(t, err)
		loaded, err := LoadCodec(m, b)
		require.NoError(t, err)
		assert.Equal(t, c.Groups(), loaded.Groups())
		assert.Equal(t, c.sum, loaded.sum)
		// Codes of one codec load into a store of the other.
		s := newStore(t, c, StoreOptions{}, evs)
		sb, err := s.MarshalBinary()
		require.NoError(t, err)
		require.NoError(t, NewStore(loaded, StoreOptions{}).UnmarshalBinary(sb))

		_, err = LoadCodec(m, b[:len(b)-1])
		require.Error(t, err)
	}
	assert.Equal(t, 16/2+4/2, trainedCodec(t, m, evs, LayoutCompact, 4).CodeBytes())
	assert.Equal(t, 20, trainedCodec(t, m, evs, LayoutCompact, 8).CodeBytes())
}

func TestTrainCodecDeterministic(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 3, 100, 300)
	a := trainedCodec(t, m, evs, LayoutParts, 4)
	b := trainedCodec(t, m, evs, LayoutParts, 4)
	ab, err := a.MarshalBinary()
	require.NoError(t, err)
	bb, err := b.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, ab, bb)

	_, err = TrainCodec(context.Background(), m, evs, TrainOptions{Bits: 4})
	require.Error(t, err, "empty layout")
	_, err = TrainCodec(context.Background(), m, evs, TrainOptions{Layout: []GroupSpec{{1, 3}}, Bits: 4})
	require.Error(t, err, "sub-spaces that do not divide the width")
	_, err = TrainCodec(context.Background(), m, evs[:8], TrainOptions{Layout: layout(t, "query"), Bits: 4})
	require.ErrorIs(t, err, pq.ErrTooFewPoints)
}

func FuzzLoadCodec(f *testing.F) {
	m := testModel(f)
	c := trainedCodec(f, m, testEvents(f, 2, 50, 64), LayoutCompact, 4)
	b, err := c.MarshalBinary()
	require.NoError(f, err)
	f.Add(b)
	f.Add(b[:20])
	f.Add([]byte("PQMC"))
	two, err := twoStageCodec(f, testEvents(f, 2, 300, 300)).MarshalBinary()
	require.NoError(f, err)
	f.Add(two)
	f.Add([]byte("PQ2S"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := LoadCodec(m, b)
		if err != nil {
			return
		}
		again, err := c.MarshalBinary()
		require.NoError(t, err)
		loaded, err := LoadCodec(m, again)
		require.NoError(t, err)
		assert.Equal(t, c.Groups(), loaded.Groups())
	})
}
