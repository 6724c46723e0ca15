package remote_test

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/remote"
)

// TestKeyRevocationPropagates: a key revoked on the server (a leaked key)
// reaches the remote Verifier as a cancellation of kind "key": a token it
// had verified before is refused within the propagation bound, while the
// Verifier still holds the key in its copy of the JWKS.
func TestKeyRevocationPropagates(t *testing.T) {
	s := newServer(t)
	store := s.clients.(*bolt.Store)
	if _, err := store.InitKeySet(t.Context(), s.keys); err != nil {
		t.Fatal(err)
	}
	v := connect(t, s, remote.Options{})
	tok := s.issue(t, "dora")
	for range 2 {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.codec.Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := s.mgr.RevokeKey(t.Context(), store, c.KeyID, func(alg string) (tokenmanager.SigningKey, error) {
		return jose.NewKey(alg, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.codec.SetKeySet(ks); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, time.Second, "the remote refuses the revoked key's token", func() bool {
		_, err := v.Verify(t.Context(), tok)
		return tokenmanager.ErrorCode(err) == tokenmanager.EInvalidToken
	})
	t.Logf("refused %v after the revocation returned", took)
	if _, err := v.Verify(t.Context(), s.issue(t, "dora")); err != nil {
		t.Fatalf("a token of the fresh key: %v", err)
	}
}
