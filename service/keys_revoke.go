package service

import (
	"context"
	"slices"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
)

// RevokeKey withdraws a leaked key (see Manager.RevokeKey): a KindKey
// cancellation refuses every token it signed, here at once and on every
// other instance as soon as the feed brings it (cached verifications
// included, since the cancelled set is checked on every request), and the
// key leaves the key set. This instance publishes the new set at once; the
// others reload their keys when the feed brings the cancellation
// (withKeyRevocations), so the key leaves every JWKS within the
// propagation bound too. Revoking the active key makes a fresh key of its
// algorithm active at once: a leaked key must not sign one more token.
func (s *Service) RevokeKey(ctx context.Context, kid string) (*tokenmanager.KeySet, error) {
	if s.opts.HS256Secret != nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the signing key is an operator's HS256 secret: replace the secret there")
	}
	r, ok := s.store.(tokenmanager.KeyRevoker)
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this store cannot revoke keys")
	}
	ks, err := s.Manager.RevokeKey(ctx, r, kid, func(alg string) (tokenmanager.SigningKey, error) {
		return jose.NewKey(alg, s.opts.Now())
	})
	if err != nil {
		return nil, err
	}
	ks.Prune(s.opts.Now(), s.keys.keep)
	return ks, s.codec.SetKeySet(ks)
}

// withKeyRevocations adds to h what an instance does when the feed brings
// another instance's key revocation, or a reload finds one the feed missed:
// forget every cached verification and reload the keys, so the key leaves
// this instance's JWKS and signing at once. (Its tokens are refused from
// the moment the replica applied the entry, before this runs.)
func (s *Service) withKeyRevocations(h tokenmanager.ReplicaHooks) tokenmanager.ReplicaHooks {
	h.Applied = s.onKeyRevocation(h.Applied)
	h.Missed = s.onKeyRevocation(h.Missed)
	return h
}

// onKeyRevocation wraps a hook of applied cancellations (nil allowed).
func (s *Service) onKeyRevocation(next func(tokenmanager.Cancellation)) func(tokenmanager.Cancellation) {
	return func(c tokenmanager.Cancellation) {
		if next != nil {
			next(c)
		}
		if c.Kind != tokenmanager.KindKey || s.Manager == nil {
			return
		}
		s.Manager.ForgetVerified()
		go s.reloadAfterRevocation(c.ID)
	}
}

// reloadAfterRevocation reloads the keys after kid was revoked elsewhere.
// The revoking instance stores the cancellation before it changes the key
// set, so the set read at once may still hold kid: it polls (briefly,
// then less often) until the stored set no longer does.
func (s *Service) reloadAfterRevocation(kid string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := s.opts.Logger
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		ks, err := s.store.KeySet(ctx)
		if err == nil && !hasKey(ks, kid) {
			if err = s.keys.reload(ctx); err == nil {
				s.Manager.ForgetVerified()
				log.Warn("a signing key was revoked on another instance; keys reloaded", "kid", kid)
				return
			}
		}
		if !wait.Sleep(ctx, pause) {
			log.Warn("a signing key was revoked; cannot reload the keys yet (its tokens are refused)", "kid", kid, "err", err)
			return
		}
	}
}

// hasKey reports whether ks holds kid.
func hasKey(ks *tokenmanager.KeySet, kid string) bool {
	return slices.ContainsFunc(ks.Keys, func(k tokenmanager.SigningKey) bool { return k.ID == kid })
}
