package train

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/baseline"
)

func FuzzLoad(f *testing.F) {
	_, d := tinyCorpus(f, 2, 5, 6)
	m := tinyModel(f, d, 4)
	s := baseline.Strategy{Kind: baseline.LastN, K: 3}
	var valid bytes.Buffer
	require.NoError(f, Save(&valid, m, Meta{Kind: KindRanker, Model: "din", Strategy: &s, Seed: 1}))
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:valid.Len()/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		m, meta, err := Load(b)
		if err != nil {
			return
		}
		var again bytes.Buffer
		require.NoError(t, Save(&again, m, meta))
		m2, meta2, err := Load(again.Bytes())
		require.NoError(t, err)
		require.Equal(t, meta, meta2)
		require.Equal(t, m.Tensors(), m2.Tensors())
	})
}
