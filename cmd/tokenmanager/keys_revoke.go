package main

import (
	"net/http"
)

// `tokenmanager keys revoke KID` withdraws a leaked key: see
// service.Service.RevokeKey and docs/security.md, "Leaked keys".

// handleRevoke is POST /admin/keys/{kid}/revoke on the admin socket
// (`tokenmanager keys revoke KID`).
func (m *Main) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ks, err := m.svc.Load().RevokeKey(r.Context(), r.PathValue("kid"))
	writeKeys(w, ks, err)
}

// handleKeys is GET /admin/keys on the admin socket (`tokenmanager keys
// list` while a server holds the store).
func (m *Main) handleKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := m.svc.Load().Store().KeySet(r.Context())
	writeKeys(w, ks, err)
}
