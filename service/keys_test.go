package service

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// kids returns the kids a service publishes.
func kids(s *Service) []string {
	var out []string
	for _, j := range s.Codec().JWKS().Keys {
		out = append(out, j.Kid)
	}
	return out
}

// A staged rotation publishes the new key at once and signs with it from
// the stored activation time; before it, the old key signs.
func TestRotateKeysAtStages(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, boltURL(t), Options{Issuer: "https://tm.test"})
	before, _ := s.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	old, _ := s.Codec().Parse(before.AccessToken)
	at := time.Now().Add(300 * time.Millisecond)
	ks, err := s.RotateKeysAt(ctx, "", at)
	if err != nil {
		t.Fatal(err)
	}
	next := ks.Keys[len(ks.Keys)-1]
	if next.State(time.Now()) != tokenmanager.KeyNext || !slices.Contains(kids(s), next.ID) {
		t.Fatalf("the new key is %s, published %v", next.State(time.Now()), kids(s))
	}
	p, _ := s.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if c, _ := s.Verify(ctx, p.AccessToken); c.KeyID != old.KeyID {
		t.Fatalf("before the activation signed by %s, want the old key", c.KeyID)
	}
	time.Sleep(time.Until(at) + 2*time.Millisecond) // iat counts whole milliseconds
	p, _ = s.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if c, _ := s.Verify(ctx, p.AccessToken); c.KeyID != next.ID {
		t.Fatalf("after the activation signed by %s, want the new key", c.KeyID)
	}
}

// A key revoked on A (two services on one Redis; B has verified one of its
// tokens) is refused on B within the propagation bound and leaves B's
// JWKS; B signs with the fresh key.
func TestRevokeKeyOnOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	o := Options{Issuer: "https://tm.test", KeyRefresh: time.Hour}
	a, b := mustOpen(t, srv.URL(), o), mustOpen(t, srv.URL(), o)
	p, _ := a.Issue(ctx, "bob", tokenmanager.SessionMeta{})
	c, err := b.Verify(ctx, p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RevokeKey(ctx, c.KeyID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B refuses the revoked key's token", func() error {
		if _, err := b.Verify(ctx, p.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
			return err
		}
		return nil
	})
	eventually(t, "the revoked key leaves B's JWKS", func() error {
		if slices.Contains(kids(b), c.KeyID) {
			return tokenmanager.Errorf(tokenmanager.EInternal, "still published: %v", kids(b))
		}
		return nil
	})
	q, _ := b.Issue(ctx, "bob", tokenmanager.SessionMeta{})
	if cq, err := a.Verify(ctx, q.AccessToken); err != nil || cq.KeyID == c.KeyID {
		t.Fatalf("B's new token on A: %v (kid %v)", err, cq)
	}
}
