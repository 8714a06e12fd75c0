package server

import (
	"errors"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/store"
)

// Limits bound what one request may ask. A zero field takes the default beside it.
type Limits struct {
	// MaxBodyBytes bounds a request body (16 MiB): a stateless request carrying a history of
	// 10^5 events in codes (3.9 MB, 5.2 MB as JSON base64) fits.
	MaxBodyBytes int64
	// MaxModelBytes bounds the body of a model reload (64 MiB).
	MaxModelBytes int64
	// MaxEvents bounds the events of one append, or of a stateless history sent as events
	// (10,000).
	MaxEvents int
	// MaxCandidates bounds the candidates of one rank request (1,000; the ABI allows 4,096).
	MaxCandidates int
	// Timeout is each request's deadline (10 s), queueing for an instance included.
	Timeout time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 16 << 20
	}
	if l.MaxModelBytes <= 0 {
		l.MaxModelBytes = 64 << 20
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = 10_000
	}
	if l.MaxCandidates <= 0 {
		l.MaxCandidates = 1_000
	}
	l.MaxCandidates = min(l.MaxCandidates, abi.MaxCandidates)
	if l.Timeout <= 0 {
		l.Timeout = 10 * time.Second
	}
	return l
}

// Config is what a Server needs. Runtime, Model, Store and Signer are required; the Server
// does not close the Runtime or the Store.
type Config struct {
	Runtime *host.Runtime
	// Model is the model file the pool's instances load; ModelName names it in logs and
	// metrics.
	Model     []byte
	ModelName string
	Store     store.Store
	Signer    *auth.Signer
	// PoolSize bounds the instances, and so the requests ranking at once; 0 is GOMAXPROCS.
	PoolSize int
	// Queue is how many admitted requests may wait for an instance beyond PoolSize; past
	// PoolSize+Queue the server answers 429. 0 is 4·PoolSize; a negative value is none.
	Queue int
	// RetryAfter is the Retry-After of a 429 or a 503 (1 s).
	RetryAfter time.Duration
	// CompactAfter is the number of segments past which an append also writes a new
	// snapshot and drops them (16).
	CompactAfter int
	Limits       Limits
	// Logger receives one line per failed request and per reload; nil discards.
	Logger *slog.Logger
	// Registerer, if set, receives the server's metrics; /metrics serves Gatherer. Both nil
	// make a private registry with the Go and process collectors.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Runtime == nil:
		return c, errors.New("server: no runtime")
	case len(c.Model) == 0:
		return c, errors.New("server: no model")
	case c.Store == nil:
		return c, errors.New("server: no store")
	case c.Signer == nil:
		return c, errors.New("server: no token signer")
	case (c.Registerer == nil) != (c.Gatherer == nil):
		return c, errors.New("server: give both a Registerer and a Gatherer, or neither")
	}
	if c.PoolSize <= 0 {
		c.PoolSize = runtime.GOMAXPROCS(0)
	}
	switch {
	case c.Queue == 0:
		c.Queue = 4 * c.PoolSize
	case c.Queue < 0:
		c.Queue = 0
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = time.Second
	}
	if c.CompactAfter <= 0 {
		c.CompactAfter = 16
	}
	if c.ModelName == "" {
		c.ModelName = "model"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registerer == nil {
		reg := prometheus.NewRegistry()
		c.Registerer, c.Gatherer = reg, reg
	}
	c.Limits = c.Limits.withDefaults()
	return c, nil
}
