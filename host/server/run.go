package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/defaultmodel"
	"github.com/seminar-ranker/seminar/host/server/store"
	"github.com/seminar-ranker/seminar/host/server/store/bolt"
	"github.com/seminar-ranker/seminar/host/server/store/redis"
)

// DefaultAddr is where `seminar serve` listens with no flags: loopback only, so that a server
// started by hand is not reachable from the network until its operator says so.
const DefaultAddr = "127.0.0.1:8080"

// Options are the settings of `seminar serve`, one per flag. The zero value serves the
// embedded model and modules from a bbolt file under the user's cache folder, on DefaultAddr.
type Options struct {
	Addr string
	// ModelPath is a model file with a codec; "" is the embedded default model.
	ModelPath string
	// ModulesDir holds seminar.wasm and seminar-scalar.wasm; "" is the embedded modules.
	ModulesDir string
	// StateDir holds the bbolt file, the token secret and the compiled-module cache; "" is
	// os.UserCacheDir()/seminar/serve.
	StateDir string
	// Store is "bolt" (default) or "redis".
	Store string
	// RedisURL is the Redis of the redis store, such as redis://127.0.0.1:6379/0.
	RedisURL string
	// SecretFile holds the token secret in hex; "" is StateDir/secret, made on first start.
	SecretFile   string
	PoolSize     int
	Queue        int
	CompactAfter int
	Limits       Limits
	// Grace bounds the graceful shutdown (30 s).
	Grace  time.Duration
	Logger *slog.Logger
	// Ready, if set, is called with the listening address once the server accepts requests.
	Ready func(addr string)
}

// StateDir returns o.StateDir or its default.
func (o *Options) stateDir() (string, error) {
	if o.StateDir != "" {
		return o.StateDir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("server: no cache folder (%w): pass a state folder", err)
	}
	return filepath.Join(base, "seminar", "serve"), nil
}

// SecretPath returns the token secret file the options name: what `seminar serve token`
// reads to issue tokens the server accepts.
func (o *Options) SecretPath() (string, error) {
	if o.SecretFile != "" {
		return o.SecretFile, nil
	}
	dir, err := o.stateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "secret"), nil
}

// Signer returns a token signer over the options' secret, creating the secret file if needed.
func (o *Options) Signer() (*auth.Signer, error) {
	path, err := o.SecretPath()
	if err != nil {
		return nil, err
	}
	secret, err := auth.LoadOrCreateSecret(path)
	if err != nil {
		return nil, err
	}
	return auth.NewSigner(secret, nil)
}

func (o *Options) openStore(ctx context.Context, dir string) (store.Store, string, error) {
	switch o.Store {
	case "", "bolt":
		path := filepath.Join(dir, "histories.db")
		s, err := bolt.Open(path)
		return s, "bolt " + path, err
	case "redis":
		if o.RedisURL == "" {
			return nil, "", errors.New("server: the redis store needs a Redis URL")
		}
		s, err := redis.Open(ctx, o.RedisURL, redis.Options{})
		return s, "redis " + o.RedisURL, err
	}
	return nil, "", fmt.Errorf("server: unknown store %q, want bolt or redis", o.Store)
}

func (o *Options) modules() (host.Modules, error) {
	if o.ModulesDir == "" {
		return module.Modules()
	}
	var mods host.Modules
	var err error
	if mods.SIMD, err = os.ReadFile(filepath.Join(o.ModulesDir, "seminar.wasm")); err != nil {
		return mods, fmt.Errorf("server: %w", err)
	}
	if mods.Scalar, err = os.ReadFile(filepath.Join(o.ModulesDir, "seminar-scalar.wasm")); err != nil {
		return mods, fmt.Errorf("server: %w", err)
	}
	return mods, nil
}

// Run serves until ctx is done, then drains and closes everything it opened.
func Run(ctx context.Context, o Options) (err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := o.stateDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	modelFile, modelName := defaultmodel.File(), "default (embedded, random weights)"
	if o.ModelPath != "" {
		if modelFile, err = os.ReadFile(o.ModelPath); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		modelName = filepath.Base(o.ModelPath)
	}
	signer, err := o.Signer()
	if err != nil {
		return err
	}
	mods, err := o.modules()
	if err != nil {
		return err
	}
	rt, err := host.NewRuntime(ctx, mods, host.Options{CacheDir: filepath.Join(dir, "wazero")})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	defer func() { err = errors.Join(err, rt.Close(context.Background())) }()
	st, where, err := o.openStore(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	s, err := New(ctx, Config{
		Runtime: rt, Model: modelFile, ModelName: modelName, Store: st, Signer: signer,
		PoolSize: o.PoolSize, Queue: o.Queue, CompactAfter: o.CompactAfter, Limits: o.Limits, Logger: log,
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close(context.Background())) }()
	addr := o.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	info := s.Model()
	log.Info("serving", "addr", ln.Addr().String(), "model", modelName, "codec", fmt.Sprintf("%08x", info.Codec),
		"bytes_per_event", info.BytesPerEvent, "store", where, "simd", rt.Features().SIMD())
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	grace := o.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	return s.Serve(ctx, ln, grace)
}
