package server

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/internal/redistest"
	"github.com/seminar-ranker/seminar/host/server/loadgen"
)

var (
	full      = flag.Bool("serve.full", false, "run the load and crash tests at full scale (make serve-report)")
	serveBin  = flag.String("serve.bin", "", "the seminar binary to crash (default: this test binary running server.Run)")
	reportOut = flag.String("serve.report", "", "append the load and crash figures, as Markdown, to this file")
)

func report(t *testing.T, write func(f *os.File) error) {
	if *reportOut == "" {
		return
	}
	f, err := os.OpenFile(*reportOut, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, write(f))
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// crashRun kills a server process in the middle of concurrent appends and checks that every
// acknowledged event is there after a restart.
func crashRun(t *testing.T, storeKind, redisURL string) {
	dir := t.TempDir()
	addr := freeAddr(t)
	secret, err := auth.LoadOrCreateSecret(filepath.Join(dir, "secret"))
	require.NoError(t, err)
	signer, err := auth.NewSigner(secret, nil)
	require.NoError(t, err)
	start := func(ctx context.Context) (*exec.Cmd, error) {
		var cmd *exec.Cmd
		if *serveBin != "" {
			cmd = exec.Command(*serveBin, "serve", "--addr", addr, "--state-dir", dir, "--store", storeKind,
				"--redis", redisURL, "--instances", "2")
		} else {
			cmd = exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{addr, dir, storeKind, redisURL}, "|"))
		}
		log, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		defer log.Close()
		cmd.Stdout, cmd.Stderr = log, log
		return cmd, cmd.Start()
	}
	cl := &loadgen.Client{BaseURL: "http://" + addr, Token: func(user string) (string, error) {
		return signer.Issue(auth.Claims{User: user, Expires: time.Now().Add(time.Hour).Unix()})
	}}
	cfg := loadgen.CrashConfig{Start: start, Writers: 4, AppendBatch: 5, KillAfter: 40, Seed: 1}
	if *full {
		cfg.Writers, cfg.AppendBatch, cfg.KillAfter = 32, 10, 2000
	}
	rep, err := loadgen.Crash(context.Background(), cl, cfg)
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("%v\nserver log:\n%s", err, b)
	}
	t.Logf("%s: %d writers, %d events acknowledged, %d in flight at the kill, %d found after the restart, %d lost",
		storeKind, rep.Writers, rep.Acknowledged, rep.InFlight, rep.Found, rep.Lost)
	require.Zero(t, rep.Lost, "acknowledged events lost")
	require.GreaterOrEqual(t, rep.Acknowledged, cfg.KillAfter*cfg.AppendBatch)
	report(t, func(f *os.File) error { return rep.Write(f, storeKind) })
}

func TestCrashBolt(t *testing.T) { crashRun(t, "bolt", "") }

func TestCrashRedis(t *testing.T) {
	srv := redistest.Start(t, "") // appendfsync always
	crashRun(t, "redis", "redis://"+srv.Addr)
}

// TestLoad runs mixed appends and ranks from concurrent clients: no errors but deliberate
// 429s. Nothing about speed is asserted; the figures are logged (and reported at full scale).
func TestLoad(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.PoolSize = 2 })
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	cl := &loadgen.Client{BaseURL: hs.URL, Token: func(user string) (string, error) {
		return s.cfg.Signer.Issue(auth.Claims{User: user, Expires: time.Now().Add(time.Hour).Unix()})
	}}
	cfg := loadgen.LoadConfig{Clients: 4, Duration: time.Second, MinRequests: 40, Users: 4, History: 300, Candidates: 20, Seed: 1}
	if *full {
		cfg = loadgen.LoadConfig{Clients: 8, Duration: 30 * time.Second, Users: 8, History: 10_000, Candidates: 100, Seed: 1}
	}
	rep, err := loadgen.Load(context.Background(), cl, cfg)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, rep.Write(&b))
	t.Logf("load (2 instances, queue 8):\n%s", b.String())
	require.Zero(t, rep.Errors, "errors other than 429: %v", rep.ErrorSamples)
	require.Positive(t, rep.Ranks)
	require.Positive(t, rep.Appends)
	report(t, func(f *os.File) error {
		_, err := fmt.Fprintf(f, "\nLoad, setup %.1f s:\n\n%s\n", rep.SetupSeconds, b.String())
		return err
	})
}
