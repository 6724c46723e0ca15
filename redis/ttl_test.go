package redis

import (
	"strconv"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestKeysExpireWithWhatTheyHold checks that each key expires exactly when
// what it holds stops mattering: a cancellation when the last token it can
// match expires (not after a fixed lifetime), a session with its refresh
// token, and the subject's index no earlier than its last session, also
// after an update extends that session.
func TestKeysExpireWithWhatTheyHold(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	now := time.Now().Truncate(time.Millisecond)
	c := tm.Cancellation{Kind: tm.KindToken, Issuer: "iss", ID: "jti", Before: now, ExpiresAt: now.Add(90 * time.Second)}
	if err := s.Cancel(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	wantExpireTime(t, srv, s.k.entry(c.Key()), c.ExpiresAt)

	sess := &tm.Session{ID: "sid", Subject: "alice", CreatedAt: now, RefreshExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	wantExpireTime(t, srv, s.k.session("sid"), sess.RefreshExpiresAt)
	wantExpireTime(t, srv, s.k.subjectIndex("alice"), sess.RefreshExpiresAt)

	later := now.Add(2 * time.Hour)
	if _, err := s.UpdateSession(t.Context(), "sid", func(x *tm.Session) error {
		x.RefreshExpiresAt = later
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantExpireTime(t, srv, s.k.session("sid"), later)
	wantExpireTime(t, srv, s.k.subjectIndex("alice"), later)
}

// wantExpireTime fails unless key expires at want, to the millisecond.
func wantExpireTime(t *testing.T, srv *redistest.Server, key string, want time.Time) {
	t.Helper()
	got, _ := strconv.ParseInt(srv.MustDo("PEXPIRETIME", key).(string), 10, 64)
	if got != want.UnixMilli() {
		t.Fatalf("PEXPIRETIME %q = %d, want %d (%v)", key, got, want.UnixMilli(), want)
	}
}
