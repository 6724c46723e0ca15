package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the tokenmanager program built once by TestMain: the tests
// run exactly what users run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tokenmanager-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tokenmanager")
	build := exec.Command("go", "build", "-o", binary, "github.com/tokenmanager/tokenmanager/cmd/tokenmanager")
	build.Dir = ".." // in the main module, with its go.sum: the binary users build
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tokenmanager:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a `tokenmanager serve` process on a free loopback port with its
// data in a temporary directory; its issuer is its own URL, as OpenID
// Connect discovery requires.
type server struct {
	t   *testing.T
	URL string
	Dir string
}

// syncBuffer collects a process's output for the test log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer starts the binary with the given extra flags and waits until
// it is ready.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{t: t, URL: "http://" + addr, Dir: t.TempDir()}
	args := append([]string{"serve", "--addr", addr, "--data-dir", s.Dir, "--issuer", s.URL, "--log-level", "warn"}, flags...)
	cmd := exec.Command(binary, args...)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not get ready: %v\n%s", err, logs.String())
		}
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// command runs `tokenmanager ARGS... --data-dir DIR` (through the server's
// admin socket) and returns its standard output.
func (s *server) command(args ...string) []byte {
	s.t.Helper()
	var out, errs bytes.Buffer
	cmd := exec.Command(binary, append(args, "--data-dir", s.Dir)...)
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("tokenmanager %s: %v: %s", strings.Join(args, " "), err, errs.String())
	}
	return out.Bytes()
}

// post sends a JSON body and decodes a JSON answer into out, failing unless
// the status is want.
func (s *server) post(path string, body any, want int, out any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(s.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("POST %s: %d %s, want %d", path, res.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("POST %s: %s: %v", path, data, err)
		}
	}
}

// tokenPair is the server's token response.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// user signs name up and in, and returns the token pair.
func (s *server) user(name string) tokenPair {
	s.t.Helper()
	creds := map[string]string{"username": name, "password": "correct horse " + name}
	s.post("/sign-up", creds, http.StatusCreated, nil)
	var p tokenPair
	s.post("/sign-in", creds, http.StatusOK, &p)
	return p
}

// refresh returns the next pair of p's session: a new access token without
// a password hash.
func (s *server) refresh(p tokenPair) tokenPair {
	s.t.Helper()
	var next tokenPair
	s.post("/tokens/refresh", map[string]string{"refresh_token": p.RefreshToken}, http.StatusOK, &next)
	return next
}
