package bolt_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// crashDirEnv tells the test binary, started again by TestKilledAfterCancel,
// to act as the server that is killed.
const crashDirEnv = "TOKENMANAGER_BOLT_CRASH_DIR"

// startCrashChild runs this test binary again as the child test name, told
// by env where its store is, and returns the process and its output.
func startCrashChild(t *testing.T, name, env, dir string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// TestKilledAfterCancel kills (SIGKILL) a process right after its Cancel
// returned: the cancellation must be in the file, and the lock released,
// when the store is opened again.
func TestKilledAfterCancel(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("this is the child process")
	}
	dir := t.TempDir()
	cmd, out := startCrashChild(t, "TestCrashChild", crashDirEnv, dir)
	line, err := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	if line != "cancelled\n" {
		t.Fatalf("child said %q (%v), want \"cancelled\"", line, err)
	}
	s := mustOpen(t, filepath.Join(dir, "tokenmanager.db"))
	defer s.Close()
	cs, err := s.Cancellations(t.Context(), time.Now())
	if err != nil || len(cs) != 1 || cs[0].ID != "alice" {
		t.Fatalf("after the kill: Cancellations = %+v, %v; want alice's", cs, err)
	}
}

// TestCrashChild is the process TestKilledAfterCancel kills: it cancels,
// says so, and waits to be killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestKilledAfterCancel only")
	}
	s, err := bolt.Open(filepath.Join(dir, "tokenmanager.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice",
		Before: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.Cancel(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("cancelled\n")
	time.Sleep(time.Minute) // until killed
}
