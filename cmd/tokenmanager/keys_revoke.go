package main

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
)

// `tokenmanager keys revoke KID` withdraws a leaked key (see
// Manager.RevokeKey): a KindKey cancellation refuses every token it
// signed, here at once and on every other instance as soon as the feed
// brings it (cached verifications included, since the cancelled set is
// checked on every request), and the key leaves the key set. The instance
// that revokes publishes the new set at once; the others reload their keys
// when the feed brings the cancellation, so the key leaves every JWKS
// within the propagation bound too. Revoking the active key makes a fresh
// key of its algorithm active at once: a leaked key must not sign one
// more token (verifiers that cache the JWKS refetch it on the new kid).

// revokeKey revokes kid in the store and hands the new set to the codec.
func (m *Main) revokeKey(ctx context.Context, kid string) (*tokenmanager.KeySet, error) {
	if m.Config.HS256SecretFile != "" {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the signing key comes from --hs256-secret-file: replace the secret there")
	}
	r, ok := m.store.(tokenmanager.KeyRevoker)
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this store cannot revoke keys")
	}
	ks, err := m.manager.RevokeKey(ctx, r, kid, func(alg string) (tokenmanager.SigningKey, error) {
		return jose.NewKey(alg, time.Now())
	})
	if err != nil {
		return nil, err
	}
	ks.Prune(time.Now(), m.keyKeep())
	return ks, m.codec.SetKeySet(ks)
}

// handleRevoke is POST /admin/keys/{kid}/revoke on the admin socket
// (`tokenmanager keys revoke KID`).
func (m *Main) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ks, err := m.revokeKey(r.Context(), r.PathValue("kid"))
	writeKeys(w, ks, err)
}

// handleKeys is GET /admin/keys on the admin socket (`tokenmanager keys
// list` while a server holds the store).
func (m *Main) handleKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := m.store.KeySet(r.Context())
	writeKeys(w, ks, err)
}

// withKeyRevocations adds to h what an instance does when the feed brings
// another instance's key revocation: forget every cached verification and
// reload the keys, so the key leaves this instance's JWKS and signing at
// once. (Its tokens are refused from the moment the replica applied the
// entry, before this runs.)
func (m *Main) withKeyRevocations(h tokenmanager.ReplicaHooks) tokenmanager.ReplicaHooks {
	applied := h.Applied
	h.Applied = func(c tokenmanager.Cancellation) {
		if applied != nil {
			applied(c)
		}
		if c.Kind != tokenmanager.KindKey || m.manager == nil {
			return
		}
		m.manager.ForgetVerified()
		go m.reloadAfterRevocation(c.ID)
	}
	return h
}

// reloadAfterRevocation reloads the keys after kid was revoked elsewhere.
// The revoking instance stores the cancellation before it changes the key
// set, so the set read at once may still hold kid: it polls (briefly,
// then less often) until the stored set no longer does.
func (m *Main) reloadAfterRevocation(kid string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		ks, err := m.store.KeySet(ctx)
		if err == nil && !hasKey(ks, kid) {
			if err = m.keys.reload(ctx); err == nil {
				m.manager.ForgetVerified()
				m.Logger.Warn("a signing key was revoked on another instance; keys reloaded", "kid", kid)
				return
			}
		}
		if !wait.Sleep(ctx, pause) {
			m.Logger.Warn("a signing key was revoked; cannot reload the keys yet (its tokens are refused)", "kid", kid, "err", err)
			return
		}
	}
}

// hasKey reports whether ks holds kid.
func hasKey(ks *tokenmanager.KeySet, kid string) bool {
	return slices.ContainsFunc(ks.Keys, func(k tokenmanager.SigningKey) bool { return k.ID == kid })
}
