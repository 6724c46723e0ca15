package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// Keys rotate without downtime (see the service package): `tokenmanager
// keys rotate` publishes a new key at once and makes it sign once every
// verifier's cached JWKS has expired (--jwks-max-age plus a slack, plus
// --key-refresh on a shared store, the longest another instance takes to
// publish it); the moment is stored in the key set, so every instance
// switches together. `--now` activates at once (an emergency). Retired
// keys keep verifying until every token they signed has expired, then
// leave the key set and the JWKS. `keys revoke KID` withdraws a leaked
// key (keys_revoke.go).

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
// empty), signing after rotationDelay, or at once when urgent.
func (m *Main) rotateKeys(ctx context.Context, alg string, urgent bool) (*tokenmanager.KeySet, error) {
	at := time.Now()
	if !urgent {
		at = at.Add(m.rotationDelay())
	}
	return m.svc.Load().RotateKeysAt(ctx, alg, at)
}

// handleRotate is POST /admin/keys/rotate on the admin socket
// (`tokenmanager keys rotate`); ?alg= picks another algorithm, ?now=1
// activates at once.
func (m *Main) handleRotate(w http.ResponseWriter, r *http.Request) {
	ks, err := m.rotateKeys(r.Context(), r.URL.Query().Get("alg"), r.URL.Query().Get("now") == "1")
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
