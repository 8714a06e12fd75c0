package server

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/defaultmodel"
	"github.com/seminar-ranker/seminar/host/server/store/bolt"
)

// childEnv makes the test binary run `seminar serve` instead of the tests: the crash test
// kills a real server process, and this is the same server.Run the command calls.
const childEnv = "SEMINAR_SERVE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

// runChild serves with options "addr|state-dir|store|redis-url".
func runChild(spec string) int {
	f := strings.Split(spec, "|")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, Options{Addr: f[0], StateDir: f[1], Store: f[2], RedisURL: f[3], PoolSize: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// shared is the compiled module, made once for the package's tests.
var shared struct {
	once sync.Once
	rt   *host.Runtime
	err  error
}

func runtimeForTest(t testing.TB) *host.Runtime {
	shared.once.Do(func() {
		mods, err := module.Modules()
		if err != nil {
			shared.err = err
			return
		}
		dir, _ := os.UserCacheDir()
		shared.rt, shared.err = host.NewRuntime(context.Background(), mods,
			host.Options{CacheDir: filepath.Join(dir, "seminar", "test-wazero")})
	})
	require.NoError(t, shared.err)
	return shared.rt
}

func signerForTest(t testing.TB) *auth.Signer {
	s, err := auth.NewSigner(testSecret, nil)
	require.NoError(t, err)
	return s
}

func token(t testing.TB, s *auth.Signer, c auth.Claims) string {
	if c.Expires == 0 {
		c.Expires = time.Now().Add(time.Hour).Unix()
	}
	tok, err := s.Issue(c)
	require.NoError(t, err)
	return tok
}

// newTestServer is a server over a fresh bbolt file and the embedded model.
func newTestServer(t testing.TB, mod func(*Config)) *Server {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "h.db"))
	require.NoError(t, err)
	cfg := Config{
		Runtime: runtimeForTest(t), Model: defaultmodel.File(), ModelName: "default",
		Store: st, Signer: signerForTest(t), PoolSize: 2,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, s.Close(context.Background()))
		require.NoError(t, st.Close())
	})
	return s
}

func parityModel(t testing.TB, name string) []byte {
	dir, err := parity.Dir()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return b
}
