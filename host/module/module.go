// Package module embeds both builds of the scoring module, gzip-compressed, so that Go
// programs can rank without a build step:
//
//	mods, err := module.Modules()
//	rt, err := host.NewRuntime(ctx, mods, host.Options{})
//
// The files change only when the ABI or the ranking changes; `./build.sh module` regenerates
// them from ./wasm. The package's tests fail on a stale module: it must report the ABI
// version the host speaks and reproduce the parity fixtures in testdata/parity.
package module

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"

	"github.com/seminar-ranker/seminar/host"
)

var (
	//go:embed seminar.wasm.gz
	simdGz []byte
	//go:embed seminar-scalar.wasm.gz
	scalarGz []byte
)

// Modules returns the embedded SIMD and scalar builds, decompressed.
func Modules() (host.Modules, error) {
	simd, err := gunzip(simdGz)
	if err != nil {
		return host.Modules{}, fmt.Errorf("module: seminar.wasm.gz: %w", err)
	}
	scalar, err := gunzip(scalarGz)
	if err != nil {
		return host.Modules{}, fmt.Errorf("module: seminar-scalar.wasm.gz: %w", err)
	}
	return host.Modules{SIMD: simd, Scalar: scalar}, nil
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	return out, zr.Close()
}
