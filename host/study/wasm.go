package study

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/kernelbench"
)

// wasmStudy times the GSU variants and the 4-bit kernel inside wasm, under wazero's compiler,
// with the reference kernels in the same runtime.
func wasmStudy(ctx context.Context, opts Options, log io.Writer, sd *studyData, long []*longHistory, rep *Report,
	logf func(string, ...any)) (err error) {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	kernelsPath := opts.Kernels
	if kernelsPath == "" {
		dir, err := os.MkdirTemp("", "seminar-study")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		kernelsPath = filepath.Join(dir, "seminar-kernels.wasm")
		if err := kernelbench.Build(ctx, root, kernelsPath); err != nil {
			return err
		}
	}
	refPath := opts.Reference
	if refPath == "" {
		refPath = filepath.Join(root, "..", "shared", "reference", "fastscan_ref.wasm")
	}
	b, err := kernelbench.Open(ctx, kernelbench.Options{Kernels: kernelsPath, Reference: refPath, Stderr: log})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.Close(ctx)) }()
	for _, lh := range long {
		logf("wasm: GSU variants at %d events", lh.h.Len())
		if err := wasmGSU(ctx, b, sd, lh, rep); err != nil {
			return err
		}
	}
	for _, n := range studyLengths {
		for _, m := range []int{16, sd.c4.CodesPerEvent()} {
			logf("wasm: 4-bit kernels, %d events × %d sub-quantizers", n, m)
			if err := wasmKernels(ctx, b, n, m, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// wasmGSU loads lh into the kernels module and times every GSU variant there.
func wasmGSU(ctx context.Context, b *kernelbench.Bench, sd *studyData, lh *longHistory, rep *Report) error {
	c4, err := sd.c4.MarshalBinary()
	if err != nil {
		return err
	}
	c8, err := sd.c8.MarshalBinary()
	if err != nil {
		return err
	}
	h := kernelbench.History{Vectors: lh.h.Vectors(), Targets: lh.targets}
	if h.Model, err = modelfile.Marshal(sd.m, map[string][]byte{retrieval.Section: c4, kernelbench.Section8: c8}); err != nil {
		return err
	}
	if h.Store4, err = lh.s4.MarshalBinary(); err != nil {
		return err
	}
	if h.Store8, err = lh.s8.MarshalBinary(); err != nil {
		return err
	}
	vs := gsuVariants()
	variants := make([]kernelbench.GSU, len(vs))
	for k, v := range vs {
		variants[k] = kernelbench.GSU{Name: v.name, Exact: v.exact, Bits: v.bits, Options: v.opt}
	}
	took, err := b.TimeGSU(ctx, h, variants)
	if err != nil {
		return err
	}
	rows := make([]SpeedRow, len(vs))
	for k, v := range vs {
		rows[k] = SpeedRow{Where: "wasm", L: lh.h.Len(), Variant: v.name, Micros: timing.Micros(took[k])}
	}
	rep.Speed = append(rep.Speed, speedRatios(rows)...)
	return nil
}

// wasmKernels times the project's Scan4 and ScanMulti4 and the reference's scan4 over n events
// of m random codes, and reports them against the reference.
func wasmKernels(ctx context.Context, b *kernelbench.Bench, n, m int, rep *Report) error {
	s, err := b.TimeScan(ctx, n, m, studySeed)
	if err != nil {
		return err
	}
	const tables = kernelbench.Tables
	lookups := float64(n * m)
	rep.Kernels = append(rep.Kernels,
		KernelRow{L: n, M: m, Kernel: "reference scan4 (clang -O3 -msimd128)", Micros: timing.Micros(s.Reference),
			GLookups: lookups / s.Reference.Seconds() / 1e9, VsReference: 1, MatchesNaive: s.ReferenceOK},
		KernelRow{L: n, M: m, Kernel: "fastscan.Scan4", Micros: timing.Micros(s.Scan4),
			GLookups: lookups / s.Scan4.Seconds() / 1e9, VsReference: s.Reference.Seconds() / s.Scan4.Seconds(), MatchesNaive: s.Scan4OK},
		KernelRow{L: n, M: m, Kernel: fmt.Sprintf("fastscan.ScanMulti4, %d tables (per table)", tables),
			Micros: timing.Micros(s.Multi4 / tables), GLookups: tables * lookups / s.Multi4.Seconds() / 1e9,
			VsReference: tables * s.Reference.Seconds() / s.Multi4.Seconds(), MatchesNaive: s.Multi4OK},
	)
	return nil
}

// repoRoot is the folder of the module's go.mod, found upwards from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.Contains(b, []byte("module github.com/seminar-ranker/seminar\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the seminar repository: run the study from it")
		}
		dir = parent
	}
}
