package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/defaults"
	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/kernelbench"
	"github.com/seminar-ranker/seminar/host/report"
)

// Options say what a run ranks with.
type Options struct {
	Model   string // model file; "" for a random model of the plan's configuration
	Modules string // folder of seminar.wasm and seminar-scalar.wasm; "" for the built-in ones
	// Reference is the reference kernels module, fastscan_ref.wasm; "" for
	// ../shared/reference/fastscan_ref.wasm beside the repository, skipped if absent.
	Reference string
	// Export, if set, is a folder that receives what the headline calls rank with, for other
	// runtimes to replay (web/scripts/rank-ratio.mjs): model.bin, the model file; store-L.bin,
	// the event store of each length; rank-L-C.msgpack, the rank request of each call.
	Export  string
	Seed    uint64    // of the random model, the synthetic users and the candidates
	Command string    // the command line of the run, for the report
	Log     io.Writer // progress lines; nil discards them
}

// Run measures everything the plan asks for and returns the report.
func Run(ctx context.Context, plan Plan, opts Options) (*Report, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	start := time.Now()
	rep := &Report{Command: opts.Command, Date: start.UTC().Format("2006-01-02 15:04 UTC"), Machine: machine(), Plan: plan}
	mods, err := defaults.Modules(opts.Modules)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		wasm []byte
	}{{"seminar.wasm (SIMD128)", mods.SIMD}, {"seminar-scalar.wasm", mods.Scalar}} {
		n, err := gzipSize(m.wasm)
		if err != nil {
			return nil, err
		}
		rep.Modules = append(rep.Modules, ModuleSize{Name: m.name, Raw: len(m.wasm), Gzip: n})
	}
	fmt.Fprintf(log, "bench: preparing the model and %d synthetic events\n", slices.Max(plan.Lengths))
	d, err := newBenchData(ctx, opts, plan)
	if err != nil {
		return nil, err
	}
	rep.Setup = d.setup
	rep.Setup.Modules = "built into this binary (package host/module)"
	if opts.Modules != "" {
		rep.Setup.Modules = "seminar.wasm and seminar-scalar.wasm from " + opts.Modules
	}

	cacheDir, err := os.MkdirTemp("", "seminar-bench-cache-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cacheDir)
	if !plan.HeadlineOnly {
		fmt.Fprintln(log, "bench: cold start")
		if rep.ColdStart, err = coldStarts(ctx, mods.SIMD, d.file, cacheDir, plan); err != nil {
			return nil, err
		}
	}

	rts, err := newBenchRuntimes(ctx, mods, cacheDir)
	if err != nil {
		return nil, err
	}
	defer rts.close(ctx)
	ref, refPath, err := openReference(ctx, opts.Reference)
	if err != nil {
		return nil, err
	}
	if ref != nil {
		defer ref.Close(ctx)
		rep.Setup.Reference = refPath
	}
	rts.ref = ref
	for _, l := range plan.Lengths {
		rows, mem, err := benchLength(ctx, d, plan, l, rts, opts.Export, log)
		if err != nil {
			return nil, fmt.Errorf("bench: L=%d: %w", l, err)
		}
		rep.Rank = append(rep.Rank, rows...)
		rep.Memory = append(rep.Memory, mem)
	}
	rep.Ratios, rep.Targets = ratiosAndTargets(rep, plan)
	rep.Notes = benchNotes(rep)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// benchRuntimes are the compiled modules the warm calls run on: the host's default runtime
// (host.CancelAtClock), and the SIMD module under the other two ways of cancelling.
type benchRuntimes struct {
	simd, scalar, anywhere, betweenCalls *host.Runtime
	ref                                  *kernelbench.Reference // nil without the reference module
}

func newBenchRuntimes(ctx context.Context, mods host.Modules, cacheDir string) (*benchRuntimes, error) {
	rts := &benchRuntimes{}
	for _, r := range []struct {
		dst  **host.Runtime
		mods host.Modules
		opts host.Options
		simd bool
	}{
		{&rts.simd, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir}, true},
		{&rts.scalar, host.Modules{Scalar: mods.Scalar}, host.Options{CacheDir: cacheDir}, false},
		{&rts.anywhere, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir, Cancellation: host.CancelAnywhere}, true},
		{&rts.betweenCalls, host.Modules{SIMD: mods.SIMD}, host.Options{CacheDir: cacheDir, Cancellation: host.CancelBetweenCalls}, true},
	} {
		rt, err := host.NewRuntime(ctx, r.mods, r.opts)
		if err != nil {
			return nil, errors.Join(err, rts.close(ctx))
		}
		*r.dst = rt
		if rt.Features().SIMD() != r.simd {
			return nil, errors.Join(fmt.Errorf("bench: a module reports SIMD128 kernels %v, want %v", rt.Features().SIMD(), r.simd),
				rts.close(ctx))
		}
	}
	return rts, nil
}

func (r *benchRuntimes) close(ctx context.Context) error {
	var errs []error
	for _, rt := range []*host.Runtime{r.simd, r.scalar, r.anywhere, r.betweenCalls} {
		if rt != nil {
			errs = append(errs, rt.Close(ctx))
		}
	}
	return errors.Join(errs...)
}

// openReference opens the reference kernels at path, or at the default place beside the
// repository when path is "": nil, and no error, if nothing is there.
func openReference(ctx context.Context, path string) (*kernelbench.Reference, string, error) {
	if path == "" {
		dir, err := os.Getwd()
		if err != nil {
			return nil, "", err
		}
		for ; ; dir = filepath.Dir(dir) {
			if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
				bytes.Contains(b, []byte("module github.com/seminar-ranker/seminar\n")) {
				break
			}
			if filepath.Dir(dir) == dir {
				return nil, "", nil
			}
		}
		path = filepath.Join(dir, "..", "shared", "reference", "fastscan_ref.wasm")
		if _, err := os.Stat(path); err != nil {
			return nil, "", nil
		}
	}
	ref, err := kernelbench.OpenReference(ctx, path)
	return ref, path, err
}

func gzipSize(b []byte) (int, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(b); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

func machine() Machine {
	m := Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPU = strings.TrimSpace(value)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// newBenchData makes the model file (with a codec) and the synthetic user: one lifelong history
// of the longest length, whose prefixes are the shorter ones, and candidates drawn from the same

// coldStarts measures fresh runtimes up to a loaded model: without a compilation cache, then with
// one that an earlier runtime filled, for the host's default runtime and for one that cancels
// anywhere, which wazero compiles and caches apart.
func coldStarts(ctx context.Context, simd, file []byte, cacheDir string, plan Plan) ([]ColdRow, error) {
	var rows []ColdRow
	for _, c := range []struct {
		cache  bool
		cancel host.Cancellation
	}{{false, host.CancelAtClock}, {true, host.CancelAtClock}, {true, host.CancelAnywhere}} {
		opts := host.Options{Cancellation: c.cancel}
		reps := plan.ColdReps
		if c.cache {
			opts.CacheDir, reps = cacheDir, plan.CachedReps
			rt, err := host.NewRuntime(ctx, host.Modules{SIMD: simd}, opts)
			if err != nil {
				return nil, err
			}
			if err := rt.Close(ctx); err != nil {
				return nil, err
			}
		}
		var compile, inst, load, total []float64
		for range reps {
			c, i, l, err := coldStart(ctx, simd, file, opts)
			if err != nil {
				return nil, err
			}
			compile, inst, load = append(compile, report.Millis(c)), append(inst, report.Millis(i)), append(load, report.Millis(l))
			total = append(total, report.Millis(c+i+l))
		}
		rows = append(rows, ColdRow{Cache: c.cache, Runtime: c.cancel.String(), Reps: reps,
			Compile: timing.Quantile(compile, 0.5), Instantiate: timing.Quantile(inst, 0.5), LoadModel: timing.Quantile(load, 0.5),
			Total: timing.Quantile(total, 0.5)})
	}
	return rows, nil
}

func coldStart(ctx context.Context, simd, file []byte, opts host.Options) (compile, inst, load time.Duration, err error) {
	t0 := time.Now()
	rt, err := host.NewRuntime(ctx, host.Modules{SIMD: simd}, opts)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { err = errors.Join(err, rt.Close(ctx)) }()
	t1 := time.Now()
	in, err := rt.NewInstance(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	t2 := time.Now()
	if _, err := host.NewRanker(in).LoadModel(ctx, file); err != nil {
		return 0, 0, 0, err
	}
	t3 := time.Now()
	return t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), nil
}

// benchMode is a retrieval setting of the bench: what the instance keeps of the events and the
