package bolt_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// TestCancelCutoffStampsInTheTransaction: the cut-off is taken from the
// clock inside the write (a millisecond after it), not from the caller's
// earlier reading, and the entry lives its lifetime from there.
func TestCancelCutoffStampsInTheTransaction(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "tm.db"))
	now := time.Now().Truncate(time.Millisecond)
	early := now.Add(-time.Minute)
	c := tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "u", Before: early, ExpiresAt: early.Add(time.Hour)}
	got, err := s.CancelCutoff(context.Background(), c, 10*time.Millisecond, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(time.Millisecond); !got.Before.Equal(want) {
		t.Fatalf("cut-off %s, want %s (the clock read in the write, plus 1ms)", got.Before, want)
	}
	if life := got.ExpiresAt.Sub(got.Before); life != time.Hour {
		t.Fatalf("the entry lives %s after its cut-off, want 1h", life)
	}
	cancelled, err := s.IsCancelled(context.Background(), &tokenmanager.Claims{Subject: "u", IssuedAt: now})
	if err != nil || !cancelled {
		t.Fatalf("a token issued at the moment of the write: cancelled = %v, %v; want true", cancelled, err)
	}
}
