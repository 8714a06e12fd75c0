// Package paritytest runs the parity fixture (core/parity) through the Go host, for the tests
// of the host and of the embedded modules.
package paritytest

import (
	"context"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
)

// Runner is a parity.Runner over a host Ranker.
type Runner struct{ R *host.Ranker }

// LoadModel loads a model file.
func (h Runner) LoadModel(ctx context.Context, file []byte) error {
	_, err := h.R.LoadModel(ctx, file)
	return err
}

// LoadEvents replaces the events.
func (h Runner) LoadEvents(ctx context.Context, events []abi.Event, opts abi.StoreOptions) error {
	_, err := h.R.LoadEvents(ctx, events, opts)
	return err
}

// Rank ranks a request.
func (h Runner) Rank(ctx context.Context, req *abi.RankRequest) ([]int32, []float32, error) {
	rep, err := h.R.Rank(ctx, req)
	return rep.Order, rep.Scores, err
}
