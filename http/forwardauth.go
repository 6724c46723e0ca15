package http

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
)

// forwardAuthPath is the forward-auth route (nginx auth_request, Traefik
// forwardAuth, Caddy forward_auth): a proxy calls it once for every
// request it lets through, so it is the one route whose cost adds to
// every protected request, and it has a path of its own (fastForwardAuth).
const forwardAuthPath = "/auth/verify"

// fastForwardAuth answers a valid token on the forward-auth route ahead of
// the general middleware, with the same answer, request id and metrics,
// but none of its per-request allocations (request copy, response
// wrapper, label lookups): the general chain costs more than the token
// check it wraps. Every other request goes to next, the general handler,
// and so does every refusal or error, with the verification already done
// carried along, so that a token is verified once and refusals are
// written, logged and counted in the one place they always are. A
// success that the access log would record goes to next too.
func (s *Server) fastForwardAuth(next http.Handler) http.Handler {
	ok := s.metrics.forwardAuthSeries()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != forwardAuthPath || s.logsSuccess(r) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		res := verifyToken(r, s.Manager, serverFinders)
		if res.err != nil {
			refused := res // a copy, so that res itself stays on the stack
			info := &requestInfo{verified: &refused}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey, info)))
			return
		}
		setForwardAuthHeaders(w.Header(), echoedRequestID(r), res.claims)
		w.WriteHeader(http.StatusOK)
		ok.checks.Inc()
		ok.requests.Inc()
		ok.duration.Observe(time.Since(start).Seconds())
	})
}

// echoedRequestID is the request's own X-Request-Id when it is one the
// Server keeps, and "" otherwise: a forward-auth success is not logged,
// so an id made for it would name nothing, and making one costs as much
// as the rest of the answer. A proxy that sends its id gets it back.
func echoedRequestID(r *http.Request) string {
	if in := r.Header.Get("X-Request-Id"); len(in) <= maxRequestID && isRequestID(in) {
		return in
	}
	return ""
}

// serverFinders is where the Server looks for a token: the Authorization
// header only (cookies would need CSRF protection of their own).
var serverFinders = []TokenFinder{FromAuthorizationHeader}

// logsSuccess reports whether the access log records a successful
// request (Server.AccessLog, or a logger at debug level).
func (s *Server) logsSuccess(r *http.Request) bool {
	return s.AccessLog || s.Logger.Enabled(r.Context(), slog.LevelDebug)
}

// forwardAuth serves /auth/verify for any method: 200 with the token's
// facts in headers the proxy can copy to the upstream request, or the 401
// of Require. X-Auth-Expires is in Unix seconds. This is the general
// chain's handler; fastForwardAuth gives the same answer.
func (s *Server) forwardAuth(w http.ResponseWriter, r *http.Request) error {
	setForwardAuthHeaders(w.Header(), "", mustClaims(r))
	w.WriteHeader(http.StatusOK)
	return nil
}

// setForwardAuthHeaders sets the headers of a forward-auth success, and
// X-Request-Id when id is not empty. The keys are already canonical and
// the values share one slice: one allocation instead of one per header.
func setForwardAuthHeaders(h http.Header, id string, c *tokenmanager.Claims) {
	v := [...]string{c.Subject, c.SessionID, c.ID, strconv.FormatInt(c.ExpiresAt.Unix(), 10), "no-store", id}
	vs := v[:]
	h["X-Auth-Subject"] = vs[0:1:1]
	h["X-Auth-Session"] = vs[1:2:2]
	h["X-Auth-Token-Id"] = vs[2:3:3]
	h["X-Auth-Expires"] = vs[3:4:4]
	h["Cache-Control"] = vs[4:5:5]
	if id != "" {
		h["X-Request-Id"] = vs[5:6:6]
	}
}

// forwardAuthSeries are the metric series of a forward-auth success,
// looked up once instead of by label on every request.
type forwardAuthSeries struct {
	requests, checks prometheus.Counter
	duration         prometheus.Observer
}

func (m *metrics) forwardAuthSeries() forwardAuthSeries {
	return forwardAuthSeries{
		requests: m.requests.WithLabelValues(forwardAuthPath, "200"),
		checks:   m.checks.WithLabelValues("ok"),
		duration: m.duration.WithLabelValues(forwardAuthPath),
	}
}
