package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RequireEnv, when set (CI sets it), turns a missing redis-server from a skip into a failure.
const RequireEnv = "SEMINAR_REQUIRE_REDIS"

// Server is a running redis-server.
type Server struct {
	Addr string // host:port on loopback
	Dir  string // its working folder, where the AOF lives
	cmd  *exec.Cmd
}

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Start starts a redis-server for t, or skips t when the binary is absent. dir, when not
// empty, is reused (a restart over the same AOF); otherwise a temporary folder is made.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" && os.Getenv(RequireEnv) != "" {
		t.Fatal("redis-server is not installed and " + RequireEnv + " is set: run host/server/testdata/ci-setup.sh")
	}
	if bin == "" {
		t.Skip("redis-server is not installed (apt-get install redis-server, or host/server/testdata/ci-setup.sh)")
	}
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := start(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// appendfsync always: Redis fsyncs the AOF before it answers a write, which is what the
	// crash tests rely on. No RDB snapshots, no protected mode games: loopback only.
	cmd := exec.Command(bin,
		"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "",
		"--daemonize", "no", "--loglevel", "warning")
	log, err := os.Create(dir + "/redis.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("redistest: %w", err)
	}
	log.Close()
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmd}
	// Wait for PONG, not just an open port: Redis accepts connections while it loads the AOF.
	for range 500 {
		if s.ping() {
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	b, _ := os.ReadFile(dir + "/redis.log")
	return nil, fmt.Errorf("redistest: redis-server did not answer on %s: %s", s.Addr, b)
}

func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Stop kills the server and waits for it.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}
