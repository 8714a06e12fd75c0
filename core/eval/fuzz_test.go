package eval

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzLoadCandidates(f *testing.F) {
	var valid bytes.Buffer
	_, err := SaveCandidates(&valid, &Candidates{Dataset: "d", Split: "test", Seed: 1, Negatives: 2,
		Cases: []CaseItems{{User: 0, Positive: 3, Negatives: []int32{1, 2}}}})
	require.NoError(f, err)
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:20])
	for _, body := range []string{`{}`, `{"cases":[{"negatives":[-1]}]}`, `[1,2]`, `{"seed":-1}`} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(body))
		require.NoError(f, zw.Close())
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, sum, err := LoadCandidates(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again bytes.Buffer
		sum2, err := SaveCandidates(&again, c)
		require.NoError(t, err)
		c2, sum3, err := LoadCandidates(&again)
		require.NoError(t, err)
		require.Equal(t, c, c2)
		require.Equal(t, sum2, sum3)
		require.Len(t, sum, 64)
	})
}
