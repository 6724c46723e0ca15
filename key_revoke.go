package tokenmanager

import (
	"context"
	"time"
)

// KeyRevoker is what RevokeKey needs of a store: read the key set and
// change it. The embedded and the Redis store implement it.
type KeyRevoker interface {
	KeyStore
	KeyRotator
}

// Revoke removes the key kid from the set (a leaked key) and reports
// whether it was there. Revoking the key that signs at now makes a fresh
// key of the same algorithm (from fresh) active at once, superseding any
// staged one: a leaked key must not sign one more token. Revoking a staged
// (next) key hands its place in the schedule back to the key it was to
// replace.
func (ks *KeySet) Revoke(kid string, now time.Time, fresh func(alg string) (SigningKey, error)) (bool, error) {
	i := ks.index(kid)
	if i < 0 {
		return false, nil
	}
	k := ks.Keys[i]
	state := k.State(now)
	if state == KeyActive {
		next, err := fresh(k.Alg)
		if err != nil {
			return false, err
		}
		ks.Keys = append(ks.Keys[:i], ks.Keys[i+1:]...)
		ks.RotateAt(next, now)
		return true, nil
	}
	ks.Keys = append(ks.Keys[:i], ks.Keys[i+1:]...)
	if state == KeyNext {
		for j := range ks.Keys {
			if ks.Keys[j].RetiredAt.Equal(k.ActivatesAt) {
				ks.Keys[j].RetiredAt = k.RetiredAt
			}
		}
	}
	return true, nil
}

// index returns the position of kid in Keys, or -1.
func (ks *KeySet) index(kid string) int {
	for i, k := range ks.Keys {
		if k.ID == kid {
			return i
		}
	}
	return -1
}

// RevokeKey withdraws a leaked signing key: every token it signed is
// refused, here at once and on every instance within the propagation
// bound (a KindKey cancellation, which the feed carries and which is
// checked on every Verify, cached verifications included), and the key
// leaves the key set, hence the JWKS. The cancellation is made durable
// before the key set changes, so that a failure half-way fails closed:
// running the command again finishes the job. fresh makes the key that
// replaces an active one (see KeySet.Revoke). The caller hands the
// returned set to its codec.
func (m *Manager) RevokeKey(ctx context.Context, keys KeyRevoker, kid string, fresh func(alg string) (SigningKey, error)) (*KeySet, error) {
	ks, err := keys.KeySet(ctx)
	if err != nil {
		return nil, storeError(err, "cannot read the key set")
	}
	if ks.index(kid) < 0 {
		return nil, Errorf(ENotFound, "no key %q in the key set (already revoked, or expired and pruned)", kid)
	}
	now := m.now()
	if err := m.cancel(ctx, m.keyCancellation(kid, now)); err != nil {
		return nil, err
	}
	ks, err = keys.UpdateKeySet(ctx, func(ks *KeySet) error {
		_, err := ks.Revoke(kid, now, fresh)
		return err
	})
	if err != nil {
		return nil, storeError(err, "the key's tokens are refused, but the key could not be removed from the key set; run the command again")
	}
	m.ForgetVerified()
	m.log.Warn("signing key revoked: every token it signed is refused", "kid", kid)
	return ks, nil
}

// keyCancellation is the entry that refuses every token of kid. It lives
// until the last token the key can have signed has expired: issued at now
// at the latest (plus the leeway the codec allows on iat), for at most
// the access token lifetime plus the leeway that checkLifetime allows.
func (m *Manager) keyCancellation(kid string, now time.Time) Cancellation {
	return Cancellation{Kind: KindKey, ID: kid, Before: now,
		ExpiresAt: now.Add(m.cfg.AccessTTL + 2*m.cfg.Leeway)}
}
