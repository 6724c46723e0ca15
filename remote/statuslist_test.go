package remote_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/remote"
)

// fakeClock is time.Now plus an offset the test advances.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// With StatusList, the Verifier needs no credentials and refuses a token
// once its status list, fetched again after the list's ttl, says it was
// cancelled; a cut-off server is answered from the cached list for
// MaxStaleness past the ttl, then the Verifier fails closed.
func TestStatusListMode(t *testing.T) {
	s := newServer(t)
	clock := &fakeClock{}
	v, err := remote.New(t.Context(), s.URL, remote.Options{Issuer: issuer, StatusList: true,
		MaxStaleness: 10 * time.Second, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	kept, gone := s.issue(t, "alice"), s.issue(t, "bob")
	for _, tok := range []string{kept, gone} {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("a fresh token: %v", err)
		}
	}
	claims, _ := s.mgr.Verify(ctx, gone)
	if err := s.mgr.CancelSession(ctx, claims.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, gone); err != nil {
		t.Fatalf("within the list's ttl the cached list answers (that is its bound): %v", err)
	}
	clock.Advance(time.Minute + time.Second) // past the ttl: fetched again
	if _, err := v.Verify(ctx, gone); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
		t.Fatalf("a cancelled session's token after the ttl: %v, want invalid_token", err)
	}
	if _, err := v.Verify(ctx, kept); err != nil {
		t.Fatalf("another user's token: %v", err)
	}

	// A Verifier whose clock agrees with the server's, cut off from it.
	clock2 := &fakeClock{}
	v2, err := remote.New(t.Context(), s.URL, remote.Options{Issuer: issuer, StatusList: true,
		MaxStaleness: 10 * time.Second, Now: clock2.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if _, err := v2.Verify(ctx, kept); err != nil {
		t.Fatal(err)
	}
	s.Close() // the server is gone
	clock2.Advance(time.Minute + 5*time.Second)
	if _, err := v2.Verify(ctx, kept); err != nil {
		t.Fatalf("cut off within MaxStaleness past the ttl: %v, want the cached answer", err)
	}
	clock2.Advance(10 * time.Second)
	if _, err := v2.Verify(ctx, kept); tokenmanager.ErrorCode(err) != tokenmanager.EUnavailable {
		t.Fatalf("cut off beyond MaxStaleness past the ttl: %v, want temporarily_unavailable", err)
	}
}
