package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/ssf"
)

// The Shared Signals (OpenID SSF 1.0) routes: the transmitter metadata,
// stream management (configuration, status, verification) and the poll
// endpoint (RFC 8936). Every route but the metadata is for an admin's
// bearer token or a service client with the events scope; every such
// caller sees every stream (the receivers are this deployment's own).
const (
	ssfStreamsPath = "/ssf/streams"
	ssfStatusPath  = "/ssf/status"
	ssfVerifyPath  = "/ssf/verify"
)

// ssfRoutes are served when the Server has a transmitter.
func (s *Server) ssfRoutes() []route {
	if s.SSF == nil {
		return nil
	}
	g := func(fn handlerFunc) handlerFunc { return s.adminOrClient(tokenmanager.ScopeEvents, fn) }
	return []route{
		{"GET /.well-known/ssf-configuration", anyone, s.ssfConfiguration},
		{"POST " + ssfStreamsPath, optional, g(s.ssfCreateStream)},
		{"GET " + ssfStreamsPath, optional, g(s.ssfReadStreams)},
		{"PATCH " + ssfStreamsPath, optional, g(s.ssfUpdateStream(false))},
		{"PUT " + ssfStreamsPath, optional, g(s.ssfUpdateStream(true))},
		{"DELETE " + ssfStreamsPath, optional, g(s.ssfDeleteStream)},
		{"GET " + ssfStatusPath, optional, g(s.ssfReadStatus)},
		{"POST " + ssfStatusPath, optional, g(s.ssfUpdateStatus)},
		{"POST " + ssfVerifyPath, optional, g(s.ssfVerify)},
		{"POST /ssf/poll/{stream_id}", optional, g(s.ssfPoll)},
	}
}

// chainSSF feeds the transmitter from the same hooks as the cancelled set
// and the account changes (keeping any hook already there).
func (s *Server) chainSSF() {
	if s.SSF == nil {
		return
	}
	prev := s.Manager.OnCancel
	s.Manager.OnCancel = func(c tokenmanager.Cancellation) {
		if prev != nil {
			prev(c)
		}
		s.SSF.OnCancel(c)
	}
	if s.Accounts != nil {
		prevAcc := s.Accounts.OnChange
		s.Accounts.OnChange = func(ctx context.Context, ch tokenmanager.AccountChange) {
			if prevAcc != nil {
				prevAcc(ctx, ch)
			}
			s.SSF.OnAccountChange(ctx, ch)
		}
	}
}

// SSFConfiguration is the transmitter metadata of SSF 1.0 §7.1.
type SSFConfiguration struct {
	SpecVersion          string              `json:"spec_version"`
	Issuer               string              `json:"issuer"`
	JWKSURI              string              `json:"jwks_uri"`
	DeliveryMethods      []string            `json:"delivery_methods_supported"`
	ConfigurationURL     string              `json:"configuration_endpoint"`
	StatusURL            string              `json:"status_endpoint"`
	VerificationURL      string              `json:"verification_endpoint"`
	AuthorizationSchemes []map[string]string `json:"authorization_schemes"`
	DefaultSubjects      string              `json:"default_subjects"`
}

// ssfConfiguration serves GET /.well-known/ssf-configuration.
func (s *Server) ssfConfiguration(w http.ResponseWriter, r *http.Request) error {
	base := strings.TrimRight(s.SSF.Issuer(), "/")
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, SSFConfiguration{
		SpecVersion: "1_0", Issuer: s.SSF.Issuer(), JWKSURI: base + "/.well-known/jwks.json",
		DeliveryMethods:  []string{ssf.MethodPush, ssf.MethodPoll},
		ConfigurationURL: base + ssfStreamsPath, StatusURL: base + ssfStatusPath, VerificationURL: base + ssfVerifyPath,
		AuthorizationSchemes: []map[string]string{{"spec_urn": "urn:ietf:rfc:6749"}},
		DefaultSubjects:      "ALL",
	})
	return nil
}

// ssfCreateStream serves POST /ssf/streams: 201 with the new stream.
func (s *Server) ssfCreateStream(w http.ResponseWriter, r *http.Request) error {
	var req ssf.StreamRequest
	if err := decodeJSON(w, r, s.MaxBodyBytes, &req); err != nil {
		return err
	}
	c, err := s.SSF.CreateStream(r.Context(), req)
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusCreated, c)
	return nil
}

// ssfReadStreams serves GET /ssf/streams: one stream with ?stream_id=,
// else the list of every stream.
func (s *Server) ssfReadStreams(w http.ResponseWriter, r *http.Request) error {
	if id, ok, err := streamIDParam(r); err != nil {
		return err
	} else if ok {
		c, err := s.SSF.Stream(r.Context(), id)
		if err != nil {
			return err
		}
		writeNoStore(w, http.StatusOK, c)
		return nil
	}
	cs, err := s.SSF.Streams(r.Context())
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, cs)
	return nil
}

// ssfUpdateStream serves PATCH (replace false) and PUT (true) /ssf/streams.
func (s *Server) ssfUpdateStream(replace bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req ssf.StreamRequest
		if err := decodeJSON(w, r, s.MaxBodyBytes, &req); err != nil {
			return err
		}
		c, err := s.SSF.UpdateStream(r.Context(), req, replace)
		if err != nil {
			return err
		}
		writeNoStore(w, http.StatusOK, c)
		return nil
	}
}

// ssfDeleteStream serves DELETE /ssf/streams?stream_id=: 204.
func (s *Server) ssfDeleteStream(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredStreamID(r)
	if err != nil {
		return err
	}
	if err := s.SSF.DeleteStream(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ssfReadStatus serves GET /ssf/status?stream_id=.
func (s *Server) ssfReadStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredStreamID(r)
	if err != nil {
		return err
	}
	st, err := s.SSF.Status(r.Context(), id)
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, st)
	return nil
}

// ssfUpdateStatus serves POST /ssf/status {stream_id, status, reason}.
func (s *Server) ssfUpdateStatus(w http.ResponseWriter, r *http.Request) error {
	var req ssf.StreamStatus
	if err := decodeJSON(w, r, s.MaxBodyBytes, &req); err != nil {
		return err
	}
	st, err := s.SSF.SetStatus(r.Context(), req)
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, st)
	return nil
}

// ssfVerify serves POST /ssf/verify {stream_id, state}: 204, and a
// verification SET queued on the stream.
func (s *Server) ssfVerify(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		StreamID string `json:"stream_id"`
		State    string `json:"state,omitempty"`
	}
	if err := decodeJSON(w, r, s.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.StreamID == "" {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "stream_id is required")
	}
	if len(req.State) > 1000 {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "state is longer than 1000 bytes")
	}
	if err := s.SSF.Verify(r.Context(), req.StreamID, req.State); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ssfPoll serves POST /ssf/poll/{stream_id} (RFC 8936).
func (s *Server) ssfPoll(w http.ResponseWriter, r *http.Request) error {
	var req ssf.PollRequest
	if err := decodeJSON(w, r, s.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.SSF.Poll(r.Context(), r.PathValue("stream_id"), req)
	if err != nil {
		return err
	}
	writeNoStore(w, http.StatusOK, res)
	return nil
}

// streamIDParam reads ?stream_id= (at most once).
func streamIDParam(r *http.Request) (string, bool, error) {
	vs := r.URL.Query()["stream_id"]
	switch {
	case len(vs) > 1:
		return "", false, tokenmanager.Errorf(tokenmanager.EInvalid, "parameter \"stream_id\" appears more than once")
	case len(vs) == 0:
		return "", false, nil
	case vs[0] == "":
		return "", false, tokenmanager.Errorf(tokenmanager.EInvalid, "parameter \"stream_id\" is empty")
	}
	return vs[0], true, nil
}

func requiredStreamID(r *http.Request) (string, error) {
	id, ok, err := streamIDParam(r)
	if err == nil && !ok {
		err = tokenmanager.Errorf(tokenmanager.EInvalid, "parameter \"stream_id\" is required")
	}
	return id, err
}
