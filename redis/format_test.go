package redis

import (
	"strconv"
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
		// The layout of format 1 (no format key): an account without the
		// skeleton claim that format 2 adds.
		srv.MustDo("SET", "tm:a:alice", `{"username":"alice","password_hash":"h","created_at":"2026-11-29T08:00:00Z"}`)
		if err := s.UpgradeFormat(t.Context()); err != nil {
			t.Fatalf("UpgradeFormat of an unversioned store: %v", err)
		}
		if got := srv.MustDo("GET", "tm:format"); got != strconv.Itoa(FormatVersion) {
			t.Fatalf("tm:format = %v, want %d recorded", got, FormatVersion)
		}
		if _, err := s.Account(t.Context(), "alice"); err != nil {
			t.Fatalf("Account after the upgrade: %v", err)
		}
		err := s.CreateAccount(t.Context(), &tm.Account{Username: "al\u0131ce", PasswordHash: "h"})
		if tm.ErrorCode(err) != tm.EConflict {
			t.Fatalf("a look-alike of an account older than the upgrade: %v, want conflict", err)
		}
		if err := s.UpgradeFormat(t.Context()); err != nil {
			t.Fatalf("UpgradeFormat again: %v", err)
		}
	})
	t.Run("NewerRefused", func(t *testing.T) {
		flushAll(t, srv)
		newer := strconv.Itoa(FormatVersion + 1)
		srv.MustDo("SET", "tm:format", newer)
		err := mustOpen(t, srv.URL()).UpgradeFormat(t.Context())
		if err == nil || !strings.Contains(tm.ErrorMessage(err), "newer tokenmanager") || tm.ErrorCode(err) != tm.EInvalid {
			t.Fatalf("UpgradeFormat of a format-%s store = %v, want an EInvalid refusal that names a newer tokenmanager", newer, err)
		}
		if got := srv.MustDo("GET", "tm:format"); got != newer {
			t.Fatalf("tm:format = %v after the refusal, want %s untouched", got, newer)
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
