package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// `tokenmanager keys revoke KID` withdraws a leaked key: see
// service.Service.RevokeKey and docs/security.md, "Leaked keys".

// revokeKey revokes kid and returns the key summary, with the revoked kid
// and, when it was the active key, a note naming the fresh key that signs
// from now on.
func (m *Main) revokeKey(ctx context.Context, kid string) (map[string]any, error) {
	svc := m.svc.Load()
	wasActive := false
	if before, err := svc.Store().KeySet(ctx); err == nil {
		a, ok := before.ActiveAt(time.Now())
		wasActive = ok && a.ID == kid
	}
	ks, err := svc.RevokeKey(ctx, kid)
	if err != nil {
		return nil, err
	}
	out := keySummary(ks, time.Now())
	out["revoked"] = kid
	if wasActive {
		out["note"] = fmt.Sprintf("%s was the active key: a fresh key, %s, signs from now on "+
			"(verifiers that cache the JWKS fetch it again when they meet its kid)", kid, out["active"])
	}
	return out, nil
}

// handleRevoke is POST /admin/keys/{kid}/revoke on the admin socket
// (`tokenmanager keys revoke KID`).
func (m *Main) handleRevoke(w http.ResponseWriter, r *http.Request) {
	out, err := m.revokeKey(r.Context(), r.PathValue("kid"))
	if err != nil {
		writeKeys(w, nil, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// handleKeys is GET /admin/keys on the admin socket (`tokenmanager keys
// list` while a server holds the store).
func (m *Main) handleKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := m.svc.Load().Store().KeySet(r.Context())
	writeKeys(w, ks, err)
}
