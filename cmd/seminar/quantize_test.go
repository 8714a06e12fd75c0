package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// quantize trains codebooks on a dataset file and writes a model file whose section loads as a
// codec of the model, its other sections kept.
func TestQuantizeCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := model.Config{Dim: 8, Heads: 2, TopK: 4, IDBuckets: 64, TokenBuckets: 64, AttrBuckets: 16,
		DenseDims: []int{synth.DefaultConfig().DenseDim}, MLPHidden: []int{4}, Seed: 3}
	m, err := model.New(cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, modelfile.Save(&buf, m, map[string][]byte{"other": []byte("kept")}))
	in, out, ds := filepath.Join(dir, "in.model"), filepath.Join(dir, "out.model"), filepath.Join(dir, "d.sds")
	require.NoError(t, os.WriteFile(in, buf.Bytes(), 0o644))
	d, err := synth.LongUser(2, 200, 300)
	require.NoError(t, err)
	require.NoError(t, datafile.WriteFile(ds, d))

	tests := []struct {
		args  []string
		codes int
		fine  int
	}{
		{nil, 4 + 4, 2},
		{[]string{"--layout", "query+id+text+attrs+dense:4,query:4", "--fine", "4"}, 4 + 4, 4},
		{[]string{"--layout", "compact"}, 8 + 4, 0},
		{[]string{"--layout", "parts", "--subspaces", "2"}, 5 * 2, 0},
		{[]string{"--layout", "query:4,id+text+attrs+dense:4", "--bits", "8", "--max-events", "280"}, 8, 0},
	}
	for _, tt := range tests {
		stdout, _, err := runCLI(t, append([]string{"quantize", "--model", in, "--data", ds, "--out", out}, tt.args...)...)
		require.NoError(t, err, "%v", tt.args)
		assert.Contains(t, stdout, "codes per event")
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		loaded, extras, err := modelfile.Load(b)
		require.NoError(t, err)
		assert.Equal(t, []byte("kept"), extras["other"])
		c, err := retrieval.LoadCodec(loaded, extras[retrieval.Section])
		require.NoError(t, err)
		assert.Equal(t, tt.codes, c.CodesPerEvent(), "%v", tt.args)
		assert.Equal(t, tt.fine, c.FineBytes(), "%v", tt.args)
	}

	for _, args := range [][]string{
		{"quantize", "--model", in, "--out", out},
		{"quantize", "--model", in, "--data", ds, "--source", "ml-100k", "--out", out},
		{"quantize", "--model", in, "--data", ds, "--layout", "query+image", "--out", out},
		{"quantize", "--model", filepath.Join(dir, "missing"), "--data", ds, "--out", out},
	} {
		_, _, err := runCLI(t, args...)
		require.Error(t, err, "%v", args)
	}
}
