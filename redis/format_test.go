package redis

import (
	"strings"
	"testing"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

func TestFormatVersion(t *testing.T) {
	srv := redistest.Start(t)
	t.Run("UnversionedUpgraded", func(t *testing.T) {
		flushAll(t, srv)
		s := mustOpen(t, srv.URL())
		// A layout of the releases before formats were numbered: data, no
		// format key.
		if err := s.CreateAccount(t.Context(), &tm.Account{Username: "alice", PasswordHash: "h"}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpgradeFormat(t.Context()); err != nil {
			t.Fatalf("UpgradeFormat of an unversioned store: %v", err)
		}
		if got := srv.MustDo("GET", "tm:format"); got != "1" {
			t.Fatalf("tm:format = %v, want 1 recorded", got)
		}
		if _, err := s.Account(t.Context(), "alice"); err != nil {
			t.Fatalf("Account after the upgrade: %v", err)
		}
		if err := s.UpgradeFormat(t.Context()); err != nil {
			t.Fatalf("UpgradeFormat again: %v", err)
		}
	})
	t.Run("NewerRefused", func(t *testing.T) {
		flushAll(t, srv)
		srv.MustDo("SET", "tm:format", "2")
		err := mustOpen(t, srv.URL()).UpgradeFormat(t.Context())
		if err == nil || !strings.Contains(tm.ErrorMessage(err), "newer tokenmanager") || tm.ErrorCode(err) == tm.EUnavailable {
			t.Fatalf("UpgradeFormat of a format-2 store = %v, want a refusal that names a newer tokenmanager", err)
		}
		if got := srv.MustDo("GET", "tm:format"); got != "2" {
			t.Fatalf("tm:format = %v after the refusal, want 2 untouched", got)
		}
	})
	t.Run("Unreadable", func(t *testing.T) {
		flushAll(t, srv)
		srv.MustDo("SET", "tm:format", "x")
		if err := mustOpen(t, srv.URL()).UpgradeFormat(t.Context()); err == nil {
			t.Fatal("UpgradeFormat accepted a format that is not a number")
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		s := mustOpen(t, "redis://127.0.0.1:1/0")
		if err := s.UpgradeFormat(t.Context()); tm.ErrorCode(err) != tm.EUnavailable {
			t.Fatalf("UpgradeFormat with Redis down = %v, want EUnavailable", err)
		}
	})
}
