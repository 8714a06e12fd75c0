package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/parity"
)

// rankFiles writes the parity fixture's events and a case's candidates as JSON files.
func rankFiles(t *testing.T) (model, history, candidates string, c parity.Case) {
	t.Helper()
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, _, err := parity.Load(dir)
	require.NoError(t, err)
	tmp := t.TempDir()
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	c = f.Cases[5]
	return filepath.Join(dir, parity.Model4), write("history.json", map[string]any{"events": f.Events}),
		write("candidates.json", c.Request.Candidates), c
}

// Through the module and natively, the same input ranks alike and bad input fails alike, with
// the path of the offending key.
func TestRankCommand(t *testing.T) {
	model, history, candidates, c := rankFiles(t)
	tmp := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	typo := file("typo.json", `{"evnts": []}`)
	badKey := file("badkey.json", `[{"t": 1, "item": {"id": "a", "colour": "red"}}]`)
	empty := file("empty.json", `[]`)
	for _, native := range []bool{false, true} {
		base := []string{"rank", "--model", model, "--candidates", candidates, "--query", c.Request.Query}
		if native {
			base = append(base, "--native")
		}
		tests := []struct {
			name string
			args []string
			err  string
		}{
			{"ranks", []string{"--history", history, "--json"}, ""},
			{"misspelt key", []string{"--history", typo}, `unknown key "evnts"`},
			{"unknown event key", []string{"--history", badKey}, `events[0].item: unknown key "colour"`},
			{"negative bits", []string{"--history", history, "--bits", "-7"}, "--bits -7"},
			{"bits of another codec", []string{"--history", history, "--bits", "8"}, "4-bit codes"},
			{"k over the module's limit", []string{"--history", history, "--k", "100000000"}, "options.k: 100000000, want 0 to 65536"},
			{"unknown part", []string{"--history", history, "--weight", "qeury=2"}, `unknown part "qeury"`},
			{"empty history", []string{"--history", empty}, "no events"},
			{"empty history allowed", []string{"--history", empty, "--allow-empty"}, ""},
		}
		for _, tt := range tests {
			name := tt.name
			if native {
				name += "/native"
			}
			t.Run(name, func(t *testing.T) {
				out, _, err := runCLI(t, append(base, tt.args...)...)
				if tt.err != "" {
					require.Error(t, err)
					assert.Contains(t, err.Error(), tt.err)
					return
				}
				require.NoError(t, err)
				if !strings.Contains(name, "ranks") {
					return
				}
				var got struct {
					Retrieval string `json:"retrieval"`
					Ranking   []struct {
						Index int32 `json:"index"`
					} `json:"ranking"`
				}
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				assert.Equal(t, "4-bit", got.Retrieval)
				order := make([]int32, len(got.Ranking))
				for i, r := range got.Ranking {
					order[i] = r.Index
				}
				assert.Equal(t, c.Order, order, "the parity fixture's order")
			})
		}
	}
}
