package defaults

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
)

// ShortlistFactor sizes the refine step of the default rank options: the 4-bit scan passes
// this many times K events on to be re-scored from their decoded codes.
const ShortlistFactor = 4

// RankOptions are the codec's PQ scan with merged heads, a refine step over a shortlist of
// ShortlistFactor·K events from the codes, and the ESU over the K kept events' decoded vectors.
func RankOptions(topK, bits int) host.RankOptions {
	return host.RankOptions{Bits: abi.Bits(bits), Shortlist: ShortlistFactor * topK}
}

// ExactRankOptions rank with the exact GSU over float32 event vectors, the same K and heads.
func ExactRankOptions() host.RankOptions {
	return host.RankOptions{Exact: true}
}

// Modules reads seminar.wasm and seminar-scalar.wasm from dir, or returns the modules built
// into the binary when dir is empty.
func Modules(dir string) (host.Modules, error) {
	if dir == "" {
		return module.Modules()
	}
	simd, err := os.ReadFile(filepath.Join(dir, "seminar.wasm"))
	if err != nil {
		return host.Modules{}, fmt.Errorf("modules: %w", err)
	}
	scalar, err := os.ReadFile(filepath.Join(dir, "seminar-scalar.wasm"))
	if err != nil {
		return host.Modules{}, fmt.Errorf("modules: %w", err)
	}
	return host.Modules{SIMD: simd, Scalar: scalar}, nil
}
