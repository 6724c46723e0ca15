package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stop ends a server process with SIGTERM and waits for it.
func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// cancelled is a token whose cancellation was acknowledged (204) at ack.
type cancelled struct {
	access string
	ack    time.Time
}

// cancelLoad refreshes a session and cancels each new access token, over
// and over, until stop is closed: writes of sessions and of cancellations.
func cancelLoad(p *process, refresh string, stop <-chan struct{}) []cancelled {
	var out []cancelled
	for {
		select {
		case <-stop:
			return out
		default:
		}
		r := p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": refresh})
		expect(p.t, r, 200, "refresh under load")
		tk := decodeTokens(p.t, r)
		refresh = tk.RefreshToken
		expect(p.t, p.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel under load")
		out = append(out, cancelled{tk.AccessToken, time.Now()})
	}
}

// runCLIFails runs the binary, wants it to fail, and returns its output.
func runCLIFails(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	if err == nil {
		t.Fatalf("tokenmanager %v succeeded, want a failure:\n%s", args, out)
	}
	return string(out)
}

// TestBackupUnderLoadAndRestore backs up a running server (through its
// admin socket) while two clients refresh and cancel without pause, then
// restores the backup with the server stopped: every cancellation
// acknowledged before the backup began is refused after the restore, a
// token that was never cancelled still works, and what came after the
// backup is gone (the restore did replace the store).
func TestBackupUnderLoadAndRestore(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "backup.db")
	p := startProcess(t, dir)
	keep := p.user("keeper")
	loaders := []tokens{p.user("load1"), p.user("load2")}
	stop := make(chan struct{})
	results := make([][]cancelled, len(loaders))
	var wg sync.WaitGroup
	for i, tk := range loaders {
		wg.Go(func() { results[i] = cancelLoad(p, tk.RefreshToken, stop) })
	}
	time.Sleep(300 * time.Millisecond)
	began := time.Now()
	out := runCLI(t, "backup", file, "--data-dir", dir)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("backup: %s", out)
	p.signUp("late", "password-late")

	msg := runCLIFails(t, "restore", "--data-dir", dir, file)
	if !strings.Contains(msg, "stop it") {
		t.Fatalf("restore while the server runs: %s, want a refusal that says to stop it", msg)
	}
	p.stop()
	runCLI(t, "restore", file, "--data-dir", dir)
	p = startProcess(t, dir)

	before, after := 0, 0
	for _, rs := range results {
		for _, c := range rs {
			if c.ack.Before(began) {
				before++
				expect(t, p.do("GET", "/account", c.access, nil), 401, "a token cancelled before the backup, after the restore")
			} else {
				after++
			}
		}
	}
	t.Logf("%d cancellations acknowledged before the backup began, %d after", before, after)
	if before == 0 || after == 0 {
		t.Fatalf("the load did not straddle the backup (%d before, %d after)", before, after)
	}
	expect(t, p.do("GET", "/account", keep.AccessToken, nil), 200, "a live token after the restore")
	expect(t, p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": keep.RefreshToken}), 200, "a live refresh token after the restore")
	r := p.do("POST", "/sign-in", "", map[string]string{"username": "late", "password": "password-late"})
	expect(t, r, 401, "an account made after the backup, after the restore")
	if _, err := os.Stat(storeFile(dir) + ".before-restore"); err != nil {
		t.Fatalf("the replaced store was not kept: %v", err)
	}
}

// TestBackupOffline backs up a stopped server's store directly, and
// refuses to back up, restore into or migrate a store that does not exist
// without creating one.
func TestBackupOffline(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, dir)
	tk := p.user("alice")
	expect(t, p.do("POST", "/tokens/cancel", tk.AccessToken, nil), 204, "cancel")
	p.stop()
	file := filepath.Join(t.TempDir(), "offline.db")
	runCLI(t, "backup", "--data-dir", dir, file)
	other := t.TempDir()
	runCLI(t, "restore", file, "--data-dir", other)
	q := startProcess(t, other)
	expect(t, q.do("GET", "/account", tk.AccessToken, nil), 401, "cancelled token, restored elsewhere")

	missing := filepath.Join(t.TempDir(), "missing")
	for _, args := range [][]string{
		{"backup", "--data-dir", missing, file + "2"},
		{"migrate", "--data-dir", missing, "--to", t.TempDir() + "/x"},
	} {
		msg := runCLIFails(t, args...)
		if !strings.Contains(msg, "no store") {
			t.Errorf("%v: %s, want a clear 'no store' error", args, msg)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%v created %s", args, missing)
		}
	}
	msg := runCLIFails(t, "restore", "--data-dir", other, filepath.Join(t.TempDir(), "nothing.db"))
	if !strings.Contains(msg, "nothing.db") {
		t.Errorf("restore of a missing file: %s", msg)
	}
}
