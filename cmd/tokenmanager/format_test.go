package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// serveFails runs `tokenmanager serve` with args, wants it to exit with an
// error within 30 s, and returns what it printed.
func serveFails(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	all := append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	out, err := exec.CommandContext(ctx, binary(t), all...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("serve %v kept running; want it to refuse the store", args)
	}
	if err == nil {
		t.Fatalf("serve %v exited 0, want a refusal:\n%s", args, out)
	}
	return string(out)
}

// TestNewerFormatRefused starts the real binary on an embedded store and on
// a Redis that a newer tokenmanager wrote (format 99): it exits with an
// error that says so, and leaves the store as it was.
func TestNewerFormatRefused(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bbolt.Open(filepath.Join(dir, "tokenmanager.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bbolt.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("meta"))
			return b.Put([]byte("version"), []byte("99"))
		})
		db.Close()
		out := serveFails(t, "--data-dir", dir)
		if !strings.Contains(out, "format 99, written by a newer tokenmanager") {
			t.Fatalf("serve on a format-99 store said:\n%s", out)
		}
		out = runCLIFails(t, "backup", "--data-dir", dir, filepath.Join(dir, "b"))
		if !strings.Contains(out, "newer tokenmanager") {
			t.Fatalf("backup of a format-99 store said:\n%s", out)
		}
	})
	t.Run("Redis", func(t *testing.T) {
		rs := redistest.Start(t)
		rs.MustDo("SET", "tm:format", "99")
		out := serveFails(t, "--data-dir", t.TempDir(), "--store", rs.URL())
		if !strings.Contains(out, "format 99, written by a newer tokenmanager") {
			t.Fatalf("serve on a format-99 Redis said:\n%s", out)
		}
		if v := rs.MustDo("GET", "tm:format"); v != "99" {
			t.Fatalf("tm:format = %v after the refusal, want 99", v)
		}
	})
}
