package tokenmanager

import (
	"context"
	"time"
)

// SigningKey is one key of the key set. Private holds the PKCS #8 DER of an
// asymmetric key or the raw secret of an HMAC key; it never leaves the
// store and the process. Each key is bound to exactly one algorithm (Alg):
// a token that names another algorithm for this kid is refused.
type SigningKey struct {
	ID        string    `json:"kid"`
	Alg       string    `json:"alg"`
	Private   []byte    `json:"private"`
	CreatedAt time.Time `json:"created_at"`
	// ActivatesAt is when the key starts signing (zero: from its
	// creation). A staged rotation publishes the key in the JWKS at once
	// and sets ActivatesAt one JWKS cache lifetime later; every instance
	// reads the moment from the key set, so all switch together.
	ActivatesAt time.Time `json:"activates_at,omitzero"`
	// RetiredAt is when another key became active (or becomes, when it
	// is in the future); the key keeps verifying until the last token it
	// signed has expired.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// KeyState is where a key stands in its life, as `keys list` shows it.
type KeyState string

// The states of a key.
const (
	// KeyNext is published in the JWKS but does not sign yet.
	KeyNext KeyState = "next"
	// KeyActive signs new tokens.
	KeyActive KeyState = "active"
	// KeyRetiring no longer signs; it verifies until its tokens expired.
	KeyRetiring KeyState = "retiring"
)

// State returns the key's state at now.
func (k SigningKey) State(now time.Time) KeyState {
	switch {
	case !k.RetiredAt.IsZero() && !now.Before(k.RetiredAt):
		return KeyRetiring
	case now.Before(k.ActivatesAt):
		return KeyNext
	}
	return KeyActive
}

// KeySet is the signing keys and the refresh key of a deployment. The key
// whose state is active signs (see ActiveAt); all of them verify. RefreshKey
// (32 random bytes) derives the refresh tokens of every session, so that
// every instance sharing the store can verify them.
type KeySet struct {
	Keys       []SigningKey `json:"keys"`
	RefreshKey []byte       `json:"refresh_key"`
}

// Active returns the key that signs new tokens now, or false when there
// is none.
func (ks *KeySet) Active() (SigningKey, bool) { return ks.ActiveAt(time.Now()) }

// ActiveAt returns the key that signs at now: the last one whose state is
// active then.
func (ks *KeySet) ActiveAt(now time.Time) (SigningKey, bool) {
	for i := len(ks.Keys) - 1; i >= 0; i-- {
		if ks.Keys[i].State(now) == KeyActive {
			return ks.Keys[i], true
		}
	}
	return SigningKey{}, false
}

// Newest returns the key that will sign once every staged rotation has
// happened (the last key that has no retirement), or false.
func (ks *KeySet) Newest() (SigningKey, bool) {
	for i := len(ks.Keys) - 1; i >= 0; i-- {
		if ks.Keys[i].RetiredAt.IsZero() {
			return ks.Keys[i], true
		}
	}
	return SigningKey{}, false
}

// KeyStore keeps the key set where every instance that must verify the same
// tokens can read it: inside the 0600 store file for the embedded store,
// in Redis for the shared store.
type KeyStore interface {
	// KeySet returns the stored key set, or an ENotFound error when none
	// was stored yet.
	KeySet(ctx context.Context) (*KeySet, error)
	// InitKeySet stores ks unless a key set is already stored, and returns
	// the stored one: of two instances starting at once, both end up with
	// the keys of the first.
	InitKeySet(ctx context.Context, ks *KeySet) (*KeySet, error)
}

// KeyRotator is implemented by key stores that can change a stored key set
// (the embedded and the Redis store): key rotation needs it.
type KeyRotator interface {
	// UpdateKeySet applies fn to the stored key set atomically and stores
	// the result; an error from fn stores nothing and is returned as is.
	UpdateKeySet(ctx context.Context, fn func(*KeySet) error) (*KeySet, error)
}

// Rotate retires the active key at now and makes next the active one. Old
// keys keep verifying: Prune removes them once their last token expired.
func (ks *KeySet) Rotate(next SigningKey, now time.Time) { ks.RotateAt(next, now) }

// RotateAt adds next, signing from at: every key that would still sign at
// at retires then (a staged key not yet active included, so it never
// signs). With at in the future, next is published at once and the
// current key keeps signing until at.
func (ks *KeySet) RotateAt(next SigningKey, at time.Time) {
	for i := range ks.Keys {
		if r := ks.Keys[i].RetiredAt; r.IsZero() || r.After(at) {
			ks.Keys[i].RetiredAt = at
		}
	}
	next.ActivatesAt = time.Time{}
	if at.After(next.CreatedAt) {
		next.ActivatesAt = at
	}
	ks.Keys = append(ks.Keys, next)
}

// Prune drops the keys retired longer than keep ago (the access token
// lifetime plus the leeway): no unexpired token can name them any more, so
// they leave the JWKS too. It reports whether it dropped any.
func (ks *KeySet) Prune(now time.Time, keep time.Duration) bool {
	kept := ks.Keys[:0]
	for _, k := range ks.Keys {
		if k.RetiredAt.IsZero() || now.Sub(k.RetiredAt) <= keep {
			kept = append(kept, k)
		}
	}
	dropped := len(kept) != len(ks.Keys)
	ks.Keys = kept
	return dropped
}

// RotateKeys makes next the active key of the stored set at once,
// retiring the current one, and prunes keys whose tokens have all expired.
func RotateKeys(ctx context.Context, r KeyRotator, next SigningKey, now time.Time, keep time.Duration) (*KeySet, error) {
	return RotateKeysAt(ctx, r, next, now, now, keep)
}

// RotateKeysAt adds next to the stored set, signing from at (a staged
// rotation: the key is published now and signs once the verifiers'
// caches of the JWKS have expired), and prunes keys whose tokens have all
// expired.
func RotateKeysAt(ctx context.Context, r KeyRotator, next SigningKey, now, at time.Time, keep time.Duration) (*KeySet, error) {
	return r.UpdateKeySet(ctx, func(ks *KeySet) error {
		ks.RotateAt(next, at)
		ks.Prune(now, keep)
		return nil
	})
}

// DefaultJWKSMaxAge is how long verifiers may cache the JWKS
// (Cache-Control max-age) and so how long a staged rotation publishes a
// key before it signs: one setting, so that a verifier caching as told
// never meets an unknown kid.
const DefaultJWKSMaxAge = 5 * time.Minute
