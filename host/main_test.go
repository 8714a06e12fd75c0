package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// testModules are both builds of the module from the current sources, made by TestMain.
var testModules Modules

// testCacheDir is a compilation cache shared by the tests, so that each module is compiled to
// machine code once per run.
var testCacheDir string

// simdRuntime and scalarRuntime serve the tests that need no options of their own (compiling,
// even from the cache, is the slow part of these tests, especially under the race detector).
var simdRuntime, scalarRuntime *Runtime

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "seminar-host-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testModules, err = buildModules(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testCacheDir = filepath.Join(dir, "cache")
	ctx := context.Background()
	opts := Options{CacheDir: testCacheDir}
	if simdRuntime, err = NewRuntime(ctx, Modules{SIMD: testModules.SIMD}, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer simdRuntime.Close(ctx)
	if scalarRuntime, err = NewRuntime(ctx, Modules{Scalar: testModules.Scalar}, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer scalarRuntime.Close(ctx)
	return m.Run()
}

// modulesDirEnv names a directory holding prebuilt seminar.wasm and seminar-scalar.wasm for
// TestMain to use instead of building them: a test binary run where there is no go command,
// such as a cross-compiled one under qemu (make test-arm64), cannot build them itself.
const modulesDirEnv = "SEMINAR_MODULES_DIR"

// buildModules builds ./wasm as build.sh does, or reads the modules from $SEMINAR_MODULES_DIR.
// Building here, rather than reading bin/, tests the sources as they are; the go command's
// build cache makes it cheap after the first run.
func buildModules(dir string) (Modules, error) {
	if prebuilt := os.Getenv(modulesDirEnv); prebuilt != "" {
		return readModules(prebuilt)
	}
	root, err := repoRoot()
	if err != nil {
		return Modules{}, err
	}
	build := func(name, experiment string) ([]byte, error) {
		out := filepath.Join(dir, name)
		// go test puts the go command of the running toolchain first on PATH.
		cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-ldflags=-s", "-o", out, "./wasm")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOEXPERIMENT="+experiment)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %w\n%s", name, err, msg)
		}
		return os.ReadFile(out)
	}
	var mods Modules
	if mods.SIMD, err = build("seminar.wasm", "simd"); err != nil {
		return Modules{}, err
	}
	if mods.Scalar, err = build("seminar-scalar.wasm", "nosimd"); err != nil {
		return Modules{}, err
	}
	return mods, nil
}

func readModules(dir string) (Modules, error) {
	var mods Modules
	var err error
	if mods.SIMD, err = os.ReadFile(filepath.Join(dir, "seminar.wasm")); err != nil {
		return Modules{}, fmt.Errorf("%s: %w", modulesDirEnv, err)
	}
	if mods.Scalar, err = os.ReadFile(filepath.Join(dir, "seminar-scalar.wasm")); err != nil {
		return Modules{}, fmt.Errorf("%s: %w", modulesDirEnv, err)
	}
	return mods, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// newTestRuntime returns a runtime closed at the end of the test.
func newTestRuntime(t testing.TB, mods Modules, opts Options) *Runtime {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = testCacheDir
	}
	r, err := NewRuntime(context.Background(), mods, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close(context.Background())) })
	return r
}

// newTestInstance returns an instance of r closed at the end of the test.
func newTestInstance(t testing.TB, r *Runtime) *Instance {
	t.Helper()
	inst, err := r.NewInstance(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Close(context.Background()) })
	return inst
}
