package tokenmanager_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
)

// keyFixture is a Manager whose key set is stored, as the server runs it,
// so that keys can be revoked.
type keyFixture struct {
	*tokenmanager.Manager
	store *bolt.Store
	codec *jose.Codec
}

func newKeyFixture(t *testing.T, mode tokenmanager.CheckMode) *keyFixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	fresh, err := jose.NewKeySet("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	ks, err := store.InitKeySet(t.Context(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: "https://tm.test", Leeway: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	replica := tokenmanager.NewReplica(store, nil, nil)
	if err := replica.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	replica.Live(true)
	m := tokenmanager.NewManager(tokenmanager.Config{Issuer: "https://tm.test", AccessTTL: 5 * time.Minute,
		Check: mode, Leeway: time.Second}, codec, store, replica, ks.RefreshKey, nil)
	return &keyFixture{Manager: m, store: store, codec: codec}
}

func newKey(alg string) (tokenmanager.SigningKey, error) { return jose.NewKey(alg, time.Now()) }

// revoke revokes kid; before the new set reaches the codec (as on an
// instance that has not reloaded its keys yet) the key's tokens are
// refused already; then it hands the set to the codec, as the server does.
func (f *keyFixture) revoke(t *testing.T, kid, token string) *tokenmanager.KeySet {
	t.Helper()
	ks, err := f.RevokeKey(t.Context(), f.store, kid, newKey)
	if err != nil {
		t.Fatal(err)
	}
	f.verify(t, token, false, "token of the revoked key, before the codec reloads")
	if err := f.codec.SetKeySet(ks); err != nil {
		t.Fatal(err)
	}
	return ks
}

func (f *keyFixture) verify(t *testing.T, token string, valid bool, what string) {
	t.Helper()
	_, err := f.Verify(context.Background(), token)
	if valid && err != nil {
		t.Fatalf("%s: refused: %v", what, err)
	}
	if !valid && tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
		t.Fatalf("%s: Verify err = %v, want %s", what, err, tokenmanager.EInvalidToken)
	}
}

// TestRevokeKey revokes the active key while one of its tokens sits in the
// verify cache: the token is refused at once (the replica's set and the
// store's strict check both know the key), a fresh key signs, and its
// tokens are accepted.
func TestRevokeKey(t *testing.T) {
	for _, mode := range []tokenmanager.CheckMode{tokenmanager.CheckReplica, tokenmanager.CheckStrict} {
		t.Run(string(mode), func(t *testing.T) {
			f := newKeyFixture(t, mode)
			p, err := f.Issue(t.Context(), "alice", tokenmanager.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				f.verify(t, p.AccessToken, true, "before the revocation (cached)")
			}
			leaked, _ := f.codec.Parse(p.AccessToken)
			ks := f.revoke(t, leaked.KeyID, p.AccessToken)
			f.verify(t, p.AccessToken, false, "token of the revoked key")
			active, ok := ks.Active()
			if !ok || active.ID == leaked.KeyID || len(ks.Keys) != 1 {
				t.Fatalf("after revoking the active key: %+v", ks.Keys)
			}
			for _, j := range f.codec.JWKS().Keys {
				if j.Kid == leaked.KeyID {
					t.Fatal("the revoked key is still published")
				}
			}
			q, err := f.Issue(t.Context(), "alice", tokenmanager.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			f.verify(t, q.AccessToken, true, "token of the fresh key")
		})
	}
}

// TestRevokeKeyUnknown refuses a kid that is not in the key set, and
// stores nothing.
func TestRevokeKeyUnknown(t *testing.T) {
	f := newKeyFixture(t, tokenmanager.CheckReplica)
	_, err := f.RevokeKey(t.Context(), f.store, "no-such-kid", newKey)
	if tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
		t.Fatalf("err = %v, want %s", err, tokenmanager.ENotFound)
	}
	if n := f.Replica().Set.Len(); n != 0 {
		t.Fatalf("a refused revocation left %d entries", n)
	}
}

// TestTokenLifetime signs tokens with the manager's own key but a
// lifetime of its choosing (a stolen key, a misconfigured instance): one
// longer than the access TTL plus the leeway is refused, on its first
// verification and again (it never reaches the verify cache).
func TestTokenLifetime(t *testing.T) {
	f := newKeyFixture(t, tokenmanager.CheckReplica)
	now := time.Now().Truncate(time.Second)
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		valid    bool
	}{
		{"AccessTTL", 5 * time.Minute, true},
		{"AccessTTLPlusLeeway", 5*time.Minute + time.Second, true},
		{"LongerByOneSecond", 5*time.Minute + 2*time.Second, false},
		{"FarFuture", 10 * 365 * 24 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := f.codec.Sign(&tokenmanager.Claims{Issuer: "https://tm.test", Subject: "mallory",
				ID: "jti-" + tc.name, IssuedAt: now, ExpiresAt: now.Add(tc.lifetime)})
			if err != nil {
				t.Fatal(err)
			}
			f.verify(t, raw, tc.valid, "first verification")
			f.verify(t, raw, tc.valid, "second verification")
		})
	}
}
