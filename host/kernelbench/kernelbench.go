package kernelbench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/seminar-ranker/seminar/core/retrieval"
)

// Section8 is the model file section that carries the 8-bit codec to the kernels module.
const Section8 = retrieval.Section + "8"

// memoryPages lets both modules grow to the 4 GiB wasm32 addresses: the study loads histories
// of 10^5 events in several forms.
const memoryPages = 65536

// Options locate the two modules.
type Options struct {
	Kernels   string    // seminar-kernels.wasm (see Build)
	Reference string    // fastscan_ref.wasm
	Stderr    io.Writer // receives the kernels module's standard error; nil discards it
}

// Bench is the kernels module and the reference, instantiated in one runtime. It is not safe
// for concurrent use.
type Bench struct {
	rt        wazero.Runtime
	ours, ref api.Module
}

// Build compiles cmd/seminar-kernels of the repository at root into the reactor module dst,
// with SIMD128.
func Build(ctx context.Context, root, dst string) error {
	build := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-o", dst, "./cmd/seminar-kernels")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOEXPERIMENT=simd")
	// The toolchain this binary was built with, for wasm SIMD needs Go 1.27.
	if v := toolchain(runtime.Version()); v != "" {
		build.Env = append(build.Env, "GOTOOLCHAIN="+v)
	}
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the kernels module: %w\n%s", err, out)
	}
	return nil
}

// toolchain is the Go release of a runtime.Version string, as GOTOOLCHAIN names it, or "" for
// a development version. A binary built with an experiment reports it after the release
// ("go1.27.3-X:simd", or "go1.27.3 X:simd" in older releases), which GOTOOLCHAIN rejects.
func toolchain(version string) string {
	v, _, _ := strings.Cut(version, " ")
	v, _, _ = strings.Cut(v, "-")
	if !strings.HasPrefix(v, "go1.") {
		return ""
	}
	return v
}

// Open compiles and instantiates both modules.
func Open(ctx context.Context, opts Options) (*Bench, error) {
	ours, err := os.ReadFile(opts.Kernels)
	if err != nil {
		return nil, err
	}
	ref, err := os.ReadFile(opts.Reference)
	if err != nil {
		return nil, err
	}
	b := &Bench{rt: wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithMemoryLimitPages(memoryPages))}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, b.rt); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	config := wazero.NewModuleConfig().WithName("seminar-kernels").WithStartFunctions("_initialize").
		WithSysNanotime().WithSysWalltime().WithRandSource(rand.Reader)
	if opts.Stderr != nil {
		config = config.WithStderr(opts.Stderr)
	}
	if b.ours, err = b.rt.InstantiateWithConfig(ctx, ours, config); err != nil {
		return nil, errors.Join(fmt.Errorf("seminar-kernels: %w", err), b.Close(ctx))
	}
	if b.ref, err = b.rt.InstantiateWithConfig(ctx, ref, wazero.NewModuleConfig().WithName("fastscan_ref")); err != nil {
		return nil, errors.Join(fmt.Errorf("fastscan_ref: %w", err), b.Close(ctx))
	}
	return b, nil
}

// Close closes the runtime and both modules.
func (b *Bench) Close(ctx context.Context) error { return b.rt.Close(ctx) }

// call calls an export with args and returns its first result (0 if none).
func (b *Bench) call(ctx context.Context, mod api.Module, name string, args ...uint64) (uint64, error) {
	return callFirst(ctx, mod, name, args...)
}

func callFirst(ctx context.Context, mod api.Module, name string, args ...uint64) (uint64, error) {
	fn := mod.ExportedFunction(name)
	if fn == nil {
		return 0, fmt.Errorf("%s has no export %s", mod.Name(), name)
	}
	res, err := fn.Call(ctx, args...)
	if err != nil || len(res) == 0 {
		return 0, err
	}
	return res[0], nil
}

// put copies data into a new buffer of the kernels module and returns its address.
func (b *Bench) put(ctx context.Context, data []byte) (uint32, error) {
	p, err := b.call(ctx, b.ours, "alloc", uint64(len(data)))
	if err != nil {
		return 0, err
	}
	if p == 0 || !b.ours.Memory().Write(uint32(p), data) {
		return 0, fmt.Errorf("seminar-kernels: cannot place %d bytes", len(data))
	}
	return uint32(p), nil
}

// ourError reads the kernels module's last error message.
func (b *Bench) ourError(ctx context.Context) error {
	p, _ := b.call(ctx, b.ours, "error_message")
	n, _ := b.call(ctx, b.ours, "error_length")
	msg, _ := b.ours.Memory().Read(uint32(p), uint32(n))
	return fmt.Errorf("seminar-kernels: %s", msg)
}

// timed returns a call of an export of mod with args, for timing (see timedCall). A negative
// result of the kernels module is its error.
func (b *Bench) timed(ctx context.Context, mod api.Module, name string, args ...uint64) (func() error, error) {
	return timedCall(ctx, mod, name, b.ourError, args...)
}

// timedCall returns a call of an export with args, for timing: it goes through CallWithStack
// so that the host adds no allocation to what is timed. When failed is set, a negative first
// result is an error that failed reads.
func timedCall(ctx context.Context, mod api.Module, name string, failed func(context.Context) error, args ...uint64) (func() error, error) {
	fn := mod.ExportedFunction(name)
	if fn == nil {
		return nil, fmt.Errorf("%s has no export %s", mod.Name(), name)
	}
	results := len(fn.Definition().ResultTypes())
	stack := make([]uint64, max(len(args), results))
	return func() error {
		copy(stack, args)
		if err := fn.CallWithStack(ctx, stack); err != nil {
			return err
		}
		if failed != nil && results > 0 && int32(stack[0]) < 0 {
			return failed(ctx)
		}
		return nil
	}, nil
}
