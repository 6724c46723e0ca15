package http

import (
	"net/http"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// The service clients are managed on the operator socket only
// (`tokenmanager clients add|list|remove`): creating credentials is an
// operator's act, not an API any bearer token reaches.

// clientRoutes are the operator routes of the service clients.
func (s *Server) clientRoutes() []route {
	return []route{
		{"POST /admin/clients", anyone, s.addClient},
		{"GET /admin/clients", anyone, s.listClients},
		{"DELETE /admin/clients/{id}", anyone, s.removeClient},
	}
}

// NewClient is the answer to adding a service client: its secret, shown
// this once (the store keeps only a hash).
type NewClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// addClient serves POST /admin/clients {"client_id", "scopes"}: 201 and
// the new client's credentials; every scope when scopes is empty.
func (s *Server) addClient(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ClientID string   `json:"client_id"`
		Scopes   []string `json:"scopes"`
	}
	if err := decodeJSON(w, r, s.MaxBodyBytes, &in); err != nil {
		return err
	}
	cs, err := s.clientStore()
	if err != nil {
		return err
	}
	scopes, err := tokenmanager.ParseScopes(joinScopes(in.Scopes))
	if err != nil {
		return err
	}
	c, secret, err := tokenmanager.AddClient(r.Context(), cs, in.ClientID, scopes, s.Manager.Config().Now())
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusCreated, NewClient{c.ID, secret})
	return nil
}

// listClients serves GET /admin/clients: every client, without secrets.
func (s *Server) listClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.clientStore()
	if err != nil {
		return err
	}
	list, err := cs.Clients(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []tokenmanager.Client{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": list})
	return nil
}

// removeClient serves DELETE /admin/clients/{id}: 204, and the client's
// credentials stop working at once.
func (s *Server) removeClient(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.clientStore()
	if err != nil {
		return err
	}
	if err := cs.DeleteClient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) clientStore() (tokenmanager.ClientStore, error) {
	if s.Clients == nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this server keeps no service clients")
	}
	return s.Clients, nil
}

func joinScopes(scopes []string) string { return strings.Join(scopes, ",") }
