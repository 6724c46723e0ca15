package redistest

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process. Its port and directory outlive the
// process, so Restart brings back the same server with its AOF.
type Server struct {
	t        testing.TB
	bin      string
	dir      string
	pre      []string // before the directives: a config file, for Sentinel
	args     []string // directives after --port, --dir and the defaults
	password string
	port     int
	tls      *tls.Config // client settings; nil for a server without TLS

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	paused bool
}

// Start launches a standalone redis-server on a free loopback port with its
// files in a fresh t.TempDir(), waits until it answers PING, and kills it
// when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	dir := t.TempDir()
	var tlsConf *tls.Config
	if c.tls {
		tlsConf = makeCert(t, dir)
	}
	return launch(t, dir, nil, c.args(), c.password, tlsConf)
}

// launch starts a server, retrying on another port when the chosen one was
// taken meanwhile.
func launch(t testing.TB, dir string, pre, args []string, password string, tlsConf *tls.Config) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), dir: dir, pre: pre, args: args, password: password, tls: tlsConf}
	t.Cleanup(s.cleanup)
	var err error
	for range 3 {
		s.port = freePort(t)
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: cannot start redis-server: %v\n%s", err, s.logTail())
	return nil
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Port returns the server's TCP port.
func (s *Server) Port() int { return s.port }

// Dir returns the server's working directory (AOF, logs, cluster state).
func (s *Server) Dir() string { return s.dir }

// Password returns the password the server requires, or "".
func (s *Server) Password() string { return s.password }

// URL returns the store URL of the server: redis://[:password@]host:port/0,
// or rediss:// for a server started WithTLS.
func (s *Server) URL() string {
	u := url.URL{Scheme: "redis", Host: s.Addr(), Path: "/0"}
	if s.tls != nil {
		u.Scheme = "rediss"
	}
	if s.password != "" {
		u.User = url.UserPassword("", s.password)
	}
	return u.String()
}

// Do sends one command to the server, over TLS if it has it; see the
// package-level Do.
func (s *Server) Do(args ...string) (any, error) { return s.doTimeout(30*time.Second, args...) }

func (s *Server) doTimeout(timeout time.Duration, args ...string) (any, error) {
	return do(s.Addr(), s.password, s.tls, timeout, args...)
}

// MustDo is Do that fails the test on an error.
func (s *Server) MustDo(args ...string) any {
	s.t.Helper()
	v, err := s.Do(args...)
	if err != nil {
		s.t.Fatalf("redistest: %v on %s: %v", args, s.Addr(), err)
	}
	return v
}

func (s *Server) argv() []string {
	argv := append([]string{}, s.pre...)
	argv = append(argv, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--logfile", "redis.log", "--daemonize", "no", "--save", "")
	if s.tls != nil {
		argv = append(argv, tlsArgs(s.dir, strconv.Itoa(s.port))...)
	}
	return append(argv, s.args...)
}

// start runs the process and waits until it answers.
func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.argv()...)
	cmd.Dir = s.dir
	orphanProof(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done, s.paused = cmd, done, false
	s.mu.Unlock()
	return s.waitReady(done, 15*time.Second)
}

func (s *Server) waitReady(done chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited at start", s.port)
		default:
		}
		v, err := s.doTimeout(time.Second, "PING")
		if err == nil && v == "PONG" {
			return nil
		}
		if time.Now().After(deadline) {
			s.signal(syscall.SIGKILL)
			<-done
			return fmt.Errorf("redis-server on port %d not ready after %v: %v", s.port, limit, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
