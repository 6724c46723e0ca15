package interop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binPath is the real tokenmanager binary, built once by TestMain.
var binPath string

// TestMain builds the binary that every test of the package runs, so the
// clients here talk to exactly what users run.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tokenmanager-interop")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "tokenmanager")
	build := exec.Command("go", "build", "-o", binPath, "github.com/tokenmanager/tokenmanager/cmd/tokenmanager")
	build.Dir = ".." // in the module itself (the replace directive's target), with its go.sum
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is `tokenmanager serve` running as its own process on a free
// loopback port, with its data in a temporary directory and "root" as
// its admin.
type server struct {
	t   *testing.T
	URL string // http://127.0.0.1:PORT, also the issuer unless a flag sets it
	Dir string
}

// startServer starts the binary with extra flags and waits until it
// listens; it is killed when the test ends.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--admins", "root"}, flags...)
	cmd := exec.Command(binPath, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "tokenmanager is listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return &server{t: t, URL: "http://" + a, Dir: dir}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start listening within 30s")
	}
	return nil
}

// cli runs an operator command against the server's data directory (its
// admin socket) and returns its standard output.
func (s *server) cli(args ...string) []byte {
	s.t.Helper()
	cmd := exec.Command(binPath, append(args, "--data-dir", s.Dir)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("tokenmanager %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// tokenPair is the server's token response.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	SessionID    string `json:"session_id"`
}

// user signs a user up (the password is derived from the name) and in.
func (s *server) user(name string) tokenPair {
	s.t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, name, "password of "+name)
	s.post("/sign-up", body, http.StatusCreated)
	var p tokenPair
	if err := json.Unmarshal(s.post("/sign-in", body, http.StatusOK), &p); err != nil || p.AccessToken == "" {
		s.t.Fatalf("sign-in of %s: %v", name, err)
	}
	return p
}

// post sends a JSON body and checks the status.
func (s *server) post(path, body string, status int) []byte {
	s.t.Helper()
	res, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		s.t.Fatalf("POST %s: %s, want %d: %s", path, res.Status, status, b)
	}
	return b
}
