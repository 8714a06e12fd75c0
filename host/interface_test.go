package host

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// docSection returns the text of docs/abi.md between <!-- name: begin --> and <!-- name: end -->.
func docSection(t *testing.T, name string) string {
	t.Helper()
	root, err := repoRoot()
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "abi.md"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(doc), "<!-- "+name+": begin -->")
	require.True(t, ok, "docs/abi.md lacks the %s markers", name)
	section, _, ok := strings.Cut(rest, "<!-- "+name+": end -->")
	require.True(t, ok)
	return section
}

// TestDocumentedInterface compares both modules' imports and exports, with their signatures,
// with what docs/abi.md lists: an embedder that follows the page links and calls correctly.
func TestDocumentedInterface(t *testing.T) {
	var wantImports []string
	for _, m := range regexp.MustCompile("`([a-z_0-9]+)`").FindAllStringSubmatch(docSection(t, "imports"), -1) {
		wantImports = append(wantImports, m[1])
	}
	slices.Sort(wantImports)
	type signature struct{ params, results int }
	wantExports := map[string]signature{}
	row := regexp.MustCompile("^\\| `([a-z_0-9]+)` \\| (memory|`\\(([a-z, ]*)\\) -> ([a-z0-9()]+)`) \\|")
	for _, line := range strings.Split(docSection(t, "exports"), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[2] == "memory" {
			wantExports[m[1]] = signature{-1, -1}
			continue
		}
		params := 0
		if m[3] != "" {
			params = len(strings.Split(m[3], ","))
		}
		results := 1
		if m[4] == "()" {
			results = 0
		}
		wantExports[m[1]] = signature{params, results}
	}
	require.NotEmpty(t, wantExports)

	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for name, wasm := range map[string][]byte{"simd": testModules.SIMD, "scalar": testModules.Scalar} {
		t.Run(name, func(t *testing.T) {
			mod, err := rt.CompileModule(ctx, wasm)
			require.NoError(t, err)
			var imports []string
			for _, f := range mod.ImportedFunctions() {
				module, fn, _ := f.Import()
				assert.Equal(t, "wasi_snapshot_preview1", module)
				imports = append(imports, fn)
			}
			slices.Sort(imports)
			assert.Equal(t, wantImports, imports, "docs/abi.md's imports")

			got := map[string]signature{}
			for name, f := range mod.ExportedFunctions() {
				for _, p := range f.ParamTypes() {
					assert.Equal(t, api.ValueTypeI32, p, "%s: every parameter is i32", name)
				}
				got[name] = signature{len(f.ParamTypes()), len(f.ResultTypes())}
			}
			for name := range mod.ExportedMemories() {
				got[name] = signature{-1, -1}
			}
			assert.Equal(t, wantExports, got, "docs/abi.md's exports")
		})
	}
}
