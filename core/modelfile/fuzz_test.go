package modelfile

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func FuzzLoad(f *testing.F) {
	valid := marshal(f, newModel(f, tinyConfig()), map[string][]byte{"pq": {1, 2, 3}})
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(valid[:40])
	for _, at := range []int{0, 1, 20, 30, 60, len(valid) / 3, len(valid) - 12, len(valid) - 1} {
		b := bytes.Clone(valid)
		b[at] ^= 0x41
		f.Add(b)
		f.Add(fixChecksum(b))
	}
	f.Add(append(bytes.Clone(valid[:100]), valid[90:]...))
	f.Fuzz(func(t *testing.T, b []byte) {
		check(t, b)
		// Past a random checksum the parser would never be reached: try the input with its
		// checksum made right too.
		check(t, fixChecksum(b))
	})
}

// check loads b and, when that succeeds, checks that saving and loading again gives the same.
func check(t *testing.T, b []byte) {
	m, extras, err := Load(b)
	if err != nil {
		assert.Nil(t, m)
		return
	}
	again, err := Marshal(m, extras)
	require.NoError(t, err)
	m2, extras2, err := Load(again)
	require.NoError(t, err)
	require.Equal(t, m.Config(), m2.Config())
	require.Equal(t, m.Tensors(), m2.Tensors())
	require.Equal(t, extras, extras2)
}
