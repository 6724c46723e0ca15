package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
)

// Keys rotate without downtime: `tokenmanager keys rotate` publishes a new
// key at once and makes it sign once every verifier's cached JWKS has
// expired (--jwks-max-age, plus --key-refresh on a shared store, the
// longest another instance takes to publish it); the moment is stored in
// the key set, so every instance switches together. `--now` activates at
// once (an emergency). Retired keys keep verifying until every token they
// signed has expired (--access-ttl plus --leeway), then leave the key set
// and the JWKS. Every instance reloads the key set every --key-refresh, at
// once when a token names a kid it does not know, and at once when the
// feed brings a key revocation (keys_revoke.go).

// keyKeep is how long a retired key keeps verifying.
func (m *Main) keyKeep() time.Duration { return m.Config.AccessTTL + m.Config.Leeway }

// watchKeys reloads the key set every --key-refresh until ctx ends.
func (m *Main) watchKeys(ctx context.Context) {
	for wait.Sleep(ctx, m.Config.KeyRefresh) {
		if err := m.keys.reload(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Warn("cannot reload the signing keys", "err", err)
		}
	}
}

// jwksRefreshSlack is added to the JWKS cache lifetime before a staged key
// signs: a verifier refetches a little after its copy expired, not on the
// dot (jwx's jwk.Cache checks a second after the expiry, rounded up to
// whole seconds: up to 2 s late).
const jwksRefreshSlack = 5 * time.Second

// rotationDelay is how long a staged rotation publishes the new key before
// it signs: the JWKS cache lifetime and the slack of caches that refresh
// late, plus on a shared store the longest another instance takes to
// reload the keys and publish the new one.
func (m *Main) rotationDelay() time.Duration {
	d := m.Config.JWKSMaxAge + jwksRefreshSlack
	if m.Config.Store != "" {
		d += m.Config.KeyRefresh
	}
	return d
}

// rotateKeys adds a new key of alg (the newest key's algorithm when
// empty), signing after rotationDelay, or at once when urgent, and
// returns the new key set.
func (m *Main) rotateKeys(ctx context.Context, alg string, urgent bool) (*tokenmanager.KeySet, error) {
	if m.Config.HS256SecretFile != "" {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the signing key comes from --hs256-secret-file: rotate it there")
	}
	r, ok := m.store.(tokenmanager.KeyRotator)
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this store cannot rotate keys")
	}
	if alg == "" {
		alg = m.codec.Alg()
	}
	now := time.Now()
	next, err := jose.NewKey(alg, now)
	if err != nil {
		return nil, err
	}
	at := now
	if !urgent {
		at = now.Add(m.rotationDelay())
	}
	ks, err := tokenmanager.RotateKeysAt(ctx, r, next, now, at, m.keyKeep())
	if err != nil {
		return nil, err
	}
	m.Logger.Info("signing key rotated", "kid", next.ID, "alg", alg, "signs_from", at, "keys", len(ks.Keys))
	return ks, m.codec.SetKeySet(ks)
}

// keyReloader keeps a codec's keys in step with the store.
type keyReloader struct {
	m    *Main
	mu   sync.Mutex
	last time.Time
}

// reload reads the key set, drops the keys whose tokens have all expired,
// and hands the rest to the codec.
func (k *keyReloader) reload(ctx context.Context) error {
	m := k.m
	if m.Config.HS256SecretFile != "" {
		return nil // the operator's secret is the only key
	}
	k.mu.Lock()
	k.last = time.Now()
	k.mu.Unlock()
	ks, err := m.store.KeySet(ctx)
	if err != nil {
		return err
	}
	ks.Prune(time.Now(), m.keyKeep())
	return m.codec.SetKeySet(ks)
}

// reloadingCodec is the codec the Manager uses: when a token does not
// verify, it reloads the keys (at most once a second) and tries again, so a
// kid minted by a rotation on another instance is learnt at once.
type reloadingCodec struct {
	*jose.Codec
	keys *keyReloader
}

// Parse implements tokenmanager.TokenCodec.
func (c reloadingCodec) Parse(raw string) (*tokenmanager.Claims, error) {
	cl, err := c.Codec.Parse(raw)
	if err == nil || !c.keys.due() {
		return cl, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c.keys.reload(ctx) != nil {
		return cl, err
	}
	return c.Codec.Parse(raw)
}

// due reports whether a reload on demand may run now.
func (k *keyReloader) due() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return time.Since(k.last) >= time.Second
}

// handleRotate is POST /admin/keys/rotate on the admin socket
// (`tokenmanager keys rotate`); ?alg= picks another algorithm, ?now=1
// activates at once.
func (m *Main) handleRotate(w http.ResponseWriter, r *http.Request) {
	urgent := r.URL.Query().Get("now") == "1"
	ks, err := m.rotateKeys(r.Context(), r.URL.Query().Get("alg"), urgent)
	writeKeys(w, ks, err)
}

// writeKeys answers an admin socket call with the key summary, or the
// error (400, 404 for an unknown kid).
func writeKeys(w http.ResponseWriter, ks *tokenmanager.KeySet, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusBadRequest
		if tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
			status = http.StatusNotFound
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": tokenmanager.ErrorCode(err), "error_description": tokenmanager.ErrorMessage(err)})
		return
	}
	json.NewEncoder(w).Encode(keySummary(ks, time.Now()))
}

// keySummary lists the key set without any key material: each key's
// state at now (next, active, retiring) and when it signs or stopped.
func keySummary(ks *tokenmanager.KeySet, now time.Time) map[string]any {
	type key struct {
		Kid         string                `json:"kid"`
		Alg         string                `json:"alg"`
		State       tokenmanager.KeyState `json:"state"`
		CreatedAt   time.Time             `json:"created_at"`
		ActivatesAt time.Time             `json:"activates_at,omitzero"`
		RetiredAt   time.Time             `json:"retired_at,omitzero"`
	}
	keys := []key{}
	for _, k := range ks.Keys {
		keys = append(keys, key{k.ID, k.Alg, k.State(now), k.CreatedAt, k.ActivatesAt, k.RetiredAt})
	}
	active, _ := ks.ActiveAt(now)
	return map[string]any{"active": active.ID, "keys": keys}
}

var errKeysUsage = errors.New("usage: tokenmanager keys rotate [--now] [--alg ALG] | list | revoke KID [store flags]")
