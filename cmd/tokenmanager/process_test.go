package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds tokenmanager once per test run.
func binary(t *testing.T) string {
	t.Helper()
	path, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// buildBinary builds tokenmanager with the race detector, once; tests that
// will need it can start it early in the background.
func buildBinary() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tokenmanager-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "tokenmanager")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{out}
		}
	})
	return binPath, buildErr
}

type buildError struct{ out []byte }

func (e *buildError) Error() string { return "go build: " + string(e.out) }

// process is `tokenmanager serve` running as its own process.
type process struct {
	*testServer
	cmd  *exec.Cmd
	logs *lineLog // what it wrote on stderr
}

// startProcess runs the binary on a free port and waits until it listens.
func startProcess(t *testing.T, dir string, flags ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--admins", "root"}, flags...)
	cmd := exec.Command(binary(t), args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, logs := make(chan string, 1), &lineLog{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "tokenmanager is listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return &process{testServer: &testServer{t: t, URL: "http://" + a, Dir: dir}, cmd: cmd, logs: logs}
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start listening within 60s")
	}
	return nil
}

func (p *process) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// TestKill9KeepsCancellations kills the server with SIGKILL right after each
// 204: every acknowledged cancellation must be there after the restart.
func TestKill9KeepsCancellations(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, dir)
	var cancelled []tokens
	var live tokens
	for i := range 5 {
		tk := p.user("victim")
		expect(t, p.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel")
		cancelled = append(cancelled, tk)
		if i == 4 {
			live = p.user("victim")
			root := p.user("root")
			expect(t, p.do("POST", "/admin/users/bystander/cancel", root.AccessToken, nil), 204, "cancel user")
		}
	}
	p.kill9()
	p = startProcess(t, dir)
	for _, tk := range cancelled {
		expect(t, p.do("GET", "/account", tk.AccessToken, nil), 401, "cancelled token after kill -9")
	}
	expect(t, p.do("GET", "/account", live.AccessToken, nil), 200, "live token after kill -9")
}

// TestOperatorCommands drives the CLI against a running server (admin
// socket) and against a stopped one (the store opened directly).
func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, dir)
	a, b := p.user("olga"), p.user("olga")
	out := runCLI(t, "sessions", "--data-dir", dir, "olga")
	if !bytes.Contains(out, []byte(a.SessionID)) || !bytes.Contains(out, []byte(b.SessionID)) {
		t.Fatalf("sessions output lacks the sessions: %s", out)
	}
	runCLI(t, "cancel-session", "--data-dir", dir, a.SessionID)
	expect(t, p.do("GET", "/account", a.AccessToken, nil), 401, "session cancelled by the CLI")
	expect(t, p.do("GET", "/account", b.AccessToken, nil), 200, "other session")
	runCLI(t, "cancel-user", "--data-dir", dir, "olga")
	expect(t, p.do("GET", "/account", b.AccessToken, nil), 401, "user cancelled by the CLI")
	c := p.user("olga")
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	runCLI(t, "cancel-token", "--data-dir", dir, c.AccessToken) // offline: no server holds the store
	p = startProcess(t, dir)
	expect(t, p.do("GET", "/account", c.AccessToken, nil), 401, "token cancelled offline")
}

func runCLI(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tokenmanager %v: %v\n%s", args, err, out)
	}
	return out
}
