package defaults

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
)

func TestRankOptions(t *testing.T) {
	o := RankOptions(100, 4)
	assert.Equal(t, abi.Bits4, o.Bits)
	assert.Equal(t, ShortlistFactor*100, o.Shortlist)
	assert.Equal(t, abi.MergedHeads, o.Heads)
	assert.Equal(t, abi.SourceCodes, o.Refine)
	assert.Equal(t, abi.SourceCodes, o.ESU)
	assert.True(t, ExactRankOptions().Exact)
}

func TestModules(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		dir     string
		files   []string
		wantErr bool
	}{
		{"built in", "", nil, false},
		{"folder with both", dir, []string{"seminar.wasm", "seminar-scalar.wasm"}, false},
		{"folder without the scalar module", t.TempDir(), []string{"seminar.wasm"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range tt.files {
				require.NoError(t, os.WriteFile(filepath.Join(tt.dir, f), []byte(f), 0o644))
			}
			mods, err := Modules(tt.dir)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.NotEmpty(t, mods.SIMD)
			assert.NotEmpty(t, mods.Scalar)
		})
	}
}
