package bolt_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// groupCrashDirEnv tells the test binary, started again by
// TestKilledDuringGroupCommits, to act as the server that is killed.
const groupCrashDirEnv = "TOKENMANAGER_BOLT_GROUP_CRASH_DIR"

// TestKilledDuringGroupCommits kills (SIGKILL) a process while 64
// writers cancel concurrently, their writes committed in groups: every
// cancellation the process acknowledged before it died must be in the
// file.
func TestKilledDuringGroupCommits(t *testing.T) {
	if os.Getenv(groupCrashDirEnv) != "" {
		t.Skip("this is the child process")
	}
	dir := t.TempDir()
	cmd, out := startCrashChild(t, "TestGroupCrashChild", groupCrashDirEnv, dir)
	var acked []string
	lines := bufio.NewScanner(out)
	for len(acked) < 300 && lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked = append(acked, id)
		}
	}
	cmd.Process.Kill()
	for lines.Scan() { // acknowledged just before the kill
		if id, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked = append(acked, id)
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the child acknowledged only %d cancellations", len(acked))
	}
	s := mustOpen(t, filepath.Join(dir, "tokenmanager.db"))
	defer s.Close()
	cs, err := s.Cancellations(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, c := range cs {
		stored[c.ID] = true
	}
	for _, id := range acked {
		if !stored[id] {
			t.Fatalf("cancellation %s was acknowledged but is not in the file (%d acknowledged, %d stored)", id, len(acked), len(cs))
		}
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(cs))
}

// TestGroupCrashChild is the process TestKilledDuringGroupCommits kills:
// 64 writers cancel without pause, each saying so once Cancel returned.
func TestGroupCrashChild(t *testing.T) {
	dir := os.Getenv(groupCrashDirEnv)
	if dir == "" {
		t.Skip("run by TestKilledDuringGroupCommits only")
	}
	s, err := bolt.Open(filepath.Join(dir, "tokenmanager.db"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				c := tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: "iss", ID: id,
					Before: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
				if err := s.Cancel(t.Context(), c); err != nil {
					return
				}
				mu.Lock()
				os.Stdout.WriteString("ack " + id + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
