package service

import (
	"context"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// RotateKeysAt adds a new key of alg (the newest key's algorithm when
// empty) that every instance publishes in its JWKS at once (state next)
// and signs with from at (a staged rotation: at is one JWKS cache lifetime
// away, so that verifiers caching the JWKS as told never meet an unknown
// kid). The moment is stored in the key set, so every instance switches
// together; at = now activates at once. It returns the new key set.
func (s *Service) RotateKeysAt(ctx context.Context, alg string, at time.Time) (*tokenmanager.KeySet, error) {
	if s.opts.HS256Secret != nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the signing key is an operator's HS256 secret: rotate it there")
	}
	r, ok := s.store.(tokenmanager.KeyRotator)
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this store cannot rotate keys")
	}
	if alg == "" {
		alg = s.codec.Alg()
	}
	now := s.opts.Now()
	next, err := jose.NewKey(alg, now)
	if err != nil {
		return nil, err
	}
	ks, err := tokenmanager.RotateKeysAt(ctx, r, next, now, at, s.keys.keep)
	if err != nil {
		return nil, err
	}
	s.opts.Logger.Info("signing key rotated", "kid", next.ID, "alg", alg, "signs_from", at, "keys", len(ks.Keys))
	return ks, s.codec.SetKeySet(ks)
}
