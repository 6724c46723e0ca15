package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// Keys rotate without downtime (see the service package): `tokenmanager
// keys rotate` makes a new key active on every instance of the store.

// handleRotate is POST /admin/keys/rotate on the admin socket
// (`tokenmanager keys rotate`); ?alg= picks another algorithm.
func (m *Main) handleRotate(w http.ResponseWriter, r *http.Request) {
	ks, err := m.svc.Load().RotateKeys(r.Context(), r.URL.Query().Get("alg"))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": tokenmanager.ErrorCode(err), "error_description": tokenmanager.ErrorMessage(err)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(keySummary(ks))
}

// keySummary lists the key set without any key material.
func keySummary(ks *tokenmanager.KeySet) map[string]any {
	type key struct {
		Kid       string    `json:"kid"`
		Alg       string    `json:"alg"`
		CreatedAt time.Time `json:"created_at"`
		RetiredAt time.Time `json:"retired_at,omitzero"`
	}
	var keys []key
	for _, k := range ks.Keys {
		keys = append(keys, key{k.ID, k.Alg, k.CreatedAt, k.RetiredAt})
	}
	active, _ := ks.Active()
	return map[string]any{"active": active.ID, "keys": keys}
}

var errKeysUsage = errors.New("usage: tokenmanager keys rotate|list [--alg ALG] [store flags]")
