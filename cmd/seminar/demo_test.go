package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoGenerated runs the demo on generated data: the first run trains and caches the model,
// the next loads it, and every run ranks the same way.
func TestDemoGenerated(t *testing.T) {
	cache := t.TempDir()
	heldOut := regexp.MustCompile(`held-out "[^"]+": #\d+ of 30 by popularity → #\d+ by SEMINAR`)
	tests := []struct {
		name      string
		args      []string
		wantModel string
	}{
		{"trains and caches", nil, "model   trained in"},
		{"loads the cache", nil, "model   loaded " + cache},
		{"retrains on request", []string{"--retrain"}, "model   trained in"},
	}
	var landed []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"demo", "--generated", "--quiet", "--cache-dir", cache, "--eval-users", "5"}, tt.args...)
			stdout, _, err := runCLI(t, args...)
			require.NoError(t, err)
			assert.Contains(t, stdout, tt.wantModel)
			assert.Contains(t, stdout, "generated data")
			assert.Contains(t, stdout, "BEFORE: by popularity")
			assert.Contains(t, stdout, "the first 5 users")
			line := heldOut.FindString(stdout)
			require.NotEmpty(t, line, "no held-out summary in:\n%s", stdout)
			landed = append(landed, line)
			assert.Equal(t, 2, strings.Count(stdout, "▶ "), "the held-out item is marked once in each list")
		})
	}
	require.Len(t, landed, len(tests))
	for _, l := range landed[1:] {
		assert.Equal(t, landed[0], l, "the same data, seed and model rank alike")
	}
}

func TestDemoFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"too few candidates", []string{"--candidates", "1"}, "--candidates 1"},
		{"too many candidates", []string{"--candidates", "201"}, "--candidates 201"},
		{"unknown user", []string{"--generated", "--user", "nobody"}, `no user "nobody"`},
		{"missing data folder", []string{"--data-dir", filepath.Join(t.TempDir(), "none")}, "--data-dir"},
	}
	cache := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"demo", "--quiet", "--cache-dir", cache, "--eval-users", "0"}, tt.args...)
			_, _, err := runCLI(t, args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
