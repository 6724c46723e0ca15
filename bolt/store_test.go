package bolt_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/storetest"
)

// mustOpen opens the store at path or fails the test.
func mustOpen(t testing.TB, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tokenmanager.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "tokenmanager.db"))
	})
}

func TestPersistence(t *testing.T) {
	storetest.RunPersistence(t, func(t *testing.T, dir string) tokenmanager.Store {
		return mustOpen(t, filepath.Join(dir, "tokenmanager.db"))
	})
}

func TestOpen(t *testing.T) {
	t.Run("FileMode0600DirMode0700", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "tokenmanager.db")
		mustOpen(t, path).Close()
		for _, tc := range []struct {
			path string
			want os.FileMode
		}{{path, 0o600}, {dir, 0o700 | os.ModeDir}} {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tc.want {
				t.Errorf("mode of %s = %v, want %v", tc.path, fi.Mode(), tc.want)
			}
		}
	})
	t.Run("ErrLocked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokenmanager.db")
		s := mustOpen(t, path)
		defer s.Close()
		start := time.Now()
		second, err := bolt.Open(path)
		if err == nil {
			second.Close()
			t.Fatal("a second Open of a store in use succeeded")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the second Open took %v to fail", d)
		}
		if got := tokenmanager.ErrorCode(err); got != tokenmanager.EUnavailable {
			t.Errorf("error code = %q, want %q", got, tokenmanager.EUnavailable)
		}
		want := "store is locked by another process (is the server running?)"
		if msg := tokenmanager.ErrorMessage(err); msg != want {
			t.Errorf("message = %q, want %q", msg, want)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file %s", err, path)
		}
	})
	t.Run("ErrNotADatabase", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokenmanager.db")
		if err := os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := bolt.Open(path)
		if got := tokenmanager.ErrorCode(err); got != tokenmanager.EUnavailable {
			t.Fatalf("Open of a file that is not a store: code %q (err %v), want %q", got, err, tokenmanager.EUnavailable)
		}
	})
}

// TestClosed shows that a closed store fails with EUnavailable rather
// than panicking, which is what the replica's pings rely on.
func TestClosed(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tokenmanager.db"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c := tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice", ExpiresAt: time.Now().Add(time.Hour)}
	for name, err := range map[string]error{
		"Ping":   s.Ping(ctx),
		"Cancel": s.Cancel(ctx, c),
	} {
		if got := tokenmanager.ErrorCode(err); got != tokenmanager.EUnavailable {
			t.Errorf("%s on a closed store: code %q (err %v), want %q", name, got, err, tokenmanager.EUnavailable)
		}
	}
}
