package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/host/server"
	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/loadgen"
)

// newServeCmd wires the flags of `seminar serve` and its helpers; the work is in host/server.
func newServeCmd() *cobra.Command {
	var o server.Options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the ranking over HTTP, with per-user histories in bbolt or Redis",
		Long: "Runs the scoring module behind an HTTP API (docs/serve.md) for devices that cannot run it: " +
			"user histories kept as PQ codes in a store, per-user bearer tokens, JSON or MessagePack. With no flags " +
			"it serves the embedded default model on " + server.DefaultAddr + " (loopback only) from a bbolt file " +
			"under the user's cache folder; `seminar serve token` prints tokens it accepts.",
		Example: "  seminar serve\n  seminar serve --addr :8080 --store redis --redis redis://10.0.0.5:6379/0 --secret-file /etc/seminar/secret",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			return server.Run(ctx, o)
		},
	}
	fl := cmd.PersistentFlags()
	fl.StringVar(&o.StateDir, "state-dir", "", "folder of the bbolt file, the token secret and the compiled-module cache (default: $XDG_CACHE_HOME/seminar/serve)")
	fl.StringVar(&o.SecretFile, "secret-file", "", "token secret in hex, made on first start if missing (default: <state-dir>/secret)")
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", server.DefaultAddr, "address to listen on; the default is loopback only")
	f.StringVar(&o.ModelPath, "model", "", "model file with a codec (default: the embedded model)")
	f.StringVar(&o.ModulesDir, "modules", "", "folder holding seminar.wasm and seminar-scalar.wasm (default: the modules built into this binary)")
	f.StringVar(&o.Store, "store", "bolt", "history store: bolt (one file, the default) or redis (for replicas)")
	f.StringVar(&o.RedisURL, "redis", "", "Redis URL of the redis store, such as redis://127.0.0.1:6379/0")
	f.IntVar(&o.PoolSize, "instances", 0, "module instances, the requests ranking at once (default: GOMAXPROCS)")
	f.IntVar(&o.Queue, "queue", 0, "requests that may wait for an instance before the server answers 429 (default: 4 per instance; -1: none)")
	f.IntVar(&o.CompactAfter, "compact-after", 16, "segments a history may gather before an append rewrites it as one snapshot")
	f.Int64Var(&o.Limits.MaxBodyBytes, "max-body", 16<<20, "largest request body, in bytes")
	f.IntVar(&o.Limits.MaxEvents, "max-events", 10_000, "most events in one append or stateless history")
	f.IntVar(&o.Limits.MaxCandidates, "max-candidates", 1_000, "most candidates in one rank request")
	f.DurationVar(&o.Limits.Timeout, "timeout", 10*time.Second, "deadline of each request")
	f.DurationVar(&o.Grace, "grace", 30*time.Second, "how long a shutdown waits for requests in flight")
	cmd.AddCommand(newServeTokenCmd(&o), newServeLoadCmd(&o))
	return cmd
}

func newServeTokenCmd(o *server.Options) *cobra.Command {
	var (
		user  string
		admin bool
		ttl   time.Duration
	)
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "Print a bearer token the server accepts, for a user or the admin",
		Example: "  seminar serve token --user alice\n  seminar serve token --admin --ttl 1h",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if admin == (user != "") {
				return fmt.Errorf("give --user or --admin")
			}
			if user != "" && !server.ValidUserID(user) {
				return fmt.Errorf("user id %q: want 1 to %d letters, digits or ._@-", user, server.MaxUserIDBytes)
			}
			s, err := o.Signer()
			if err != nil {
				return err
			}
			tok, err := s.Issue(auth.Claims{User: user, Admin: admin, Expires: time.Now().Add(ttl).Unix()})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "user id the token opens")
	cmd.Flags().BoolVar(&admin, "admin", false, "an admin token (model reload)")
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	return cmd
}

func newServeLoadCmd(o *server.Options) *cobra.Command {
	var (
		url string
		cfg loadgen.LoadConfig
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Drive a running server with N clients for T seconds: mixed appends and ranks",
		Long: "Seeds the users' histories with L events each, then runs N clients for T seconds, each request an append " +
			"(one in --append-every) or a rank of C candidates, and prints throughput, p50/p99 and errors as Markdown. " +
			"Tokens are signed with the server's secret (--state-dir or --secret-file).",
		Example: "  seminar serve load --clients 8 --duration 30s --history 10000 --candidates 100",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o.Signer()
			if err != nil {
				return err
			}
			cl := &loadgen.Client{BaseURL: url, Token: func(user string) (string, error) {
				return s.Issue(auth.Claims{User: user, Expires: time.Now().Add(time.Hour).Unix()})
			}}
			rep, err := loadgen.Load(context.Background(), cl, cfg)
			if err != nil {
				return err
			}
			return rep.Write(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "http://"+server.DefaultAddr, "the server")
	f.IntVar(&cfg.Clients, "clients", 8, "concurrent clients N")
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long they run, T")
	f.IntVar(&cfg.Users, "users", 8, "users whose histories the clients share")
	f.IntVar(&cfg.History, "history", 10_000, "events per user before the run, L")
	f.IntVar(&cfg.Candidates, "candidates", 100, "candidates per rank, C")
	f.IntVar(&cfg.AppendEvery, "append-every", 5, "one request in this many appends")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the events and candidates")
	return cmd
}
