package http

import (
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// jwks serves GET /.well-known/jwks.json, cacheable for JWKSMaxAge: a
// staged rotation publishes a key that long before it signs, so caches
// stay correct.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", s.jwksCacheControl())
	writeJSON(w, http.StatusOK, s.JWKS())
	return nil
}

// healthJSON is the body of GET /healthz.
type healthJSON struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// healthz serves GET /healthz: the process is up and serving.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, healthJSON{Status: "ok", Version: s.Version})
	return nil
}

// readyz serves GET /readyz: 200 while the instance should get traffic,
// 503 with the reason otherwise (store unreachable, replica not loaded
// or cut off).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.readiness(); err != nil {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "not ready: "+readyReason(err))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, healthJSON{Status: "ready", Version: s.Version})
	return nil
}

// readiness is Ready, or by default the replica's state.
func (s *Server) readiness() error {
	if s.Ready != nil {
		return s.Ready()
	}
	rep := s.Manager.Replica()
	if !rep.Ready() {
		return tokenmanager.Errorf(tokenmanager.EUnavailable, "the cancelled-set replica is not loaded or not in step with the store")
	}
	return nil
}

// readyReason is the text of a readiness error shown to the prober: the
// client-safe message of a *tokenmanager.Error, the text of any other
// error (Ready is the program's, and says what an operator needs).
func readyReason(err error) string {
	if tokenmanager.ErrorCode(err) != tokenmanager.EInternal {
		return tokenmanager.ErrorMessage(err)
	}
	return err.Error()
}

// serveMetrics serves GET /metrics for Prometheus.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}
