package http

import (
	"net/http"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// handlerFunc is what every route is written as: it writes its success
// itself and returns its failure, which [Error] writes. No handler writes
// an error status.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may call a route.
type access int

const (
	anyone   access = iota // no token needed
	optional               // the token is verified if present, never required
	user                   // a valid access token
	admin                  // a valid access token of an admin
)

// route is one line of a routing table.
type route struct {
	pattern string
	access  access
	fn      handlerFunc
}

// publicRoutes is the HTTP contract.
func (s *Server) publicRoutes() []route {
	rs := []route{
		{"POST /tokens/refresh", anyone, s.refresh},
		{"POST /tokens/revoke", anyone, s.revokeRefresh},
		{"POST /tokens/cancel", user, s.cancelOwnToken},
		{"POST /sign-out", user, s.signOut},
		{"GET /sessions", user, s.listOwnSessions},
		{"DELETE /sessions/{id}", user, s.deleteOwnSession},
		{"POST /oauth/revoke", optional, s.oauthRevoke},
		{"POST /oauth/token", anyone, s.oauthToken},
		{"POST /oauth/introspect", optional, s.oauthIntrospect}, // admin or client: see authorize
		{"/auth/verify", user, s.forwardAuth},                   // any method: proxies forward the original one
		{"GET /healthz", anyone, s.healthz},
		{"GET /readyz", anyone, s.readyz},
		{"GET /metrics", anyone, s.serveMetrics},
		{"GET /openapi.json", anyone, s.openAPI},
		{"GET /.well-known/oauth-authorization-server", anyone, s.metadata},
		{"GET /.well-known/openid-configuration", anyone, s.metadata},
	}
	if s.Accounts != nil {
		rs = append(rs,
			route{"POST /sign-up", anyone, s.signUp},
			route{"POST /sign-in", anyone, s.signIn},
			route{"GET /account", user, s.account})
		rs = append(rs, s.lifecycleRoutes()...)
	}
	if s.JWKS != nil {
		rs = append(rs, route{"GET /.well-known/jwks.json", anyone, s.jwks})
	}
	if s.StatusLists != nil && s.SignStatusList != nil {
		rs = append(rs, route{"GET /statuslists/{id}", anyone, s.statusList})
	}
	rs = append(rs, s.ssfRoutes()...)
	return append(rs, s.adminRoutes(admin)...)
}

// operatorRoutes is the operator API of the Unix socket: the admin
// routes with no bearer check, and the status.
func (s *Server) operatorRoutes() []route {
	return append(s.adminRoutes(anyone), s.clientRoutes()...)
}

// adminRoutes are the routes shared by the public admin API (who=admin)
// and the operator socket (who=anyone): one handler each, two guards.
func (s *Server) adminRoutes(who access) []route {
	events := route{"GET /events/cancellations", who, s.cancellationEvents}
	if who == admin { // an admin's token, or a service client with the events scope
		events = route{"GET /events/cancellations", optional, s.adminOrClient(tokenmanager.ScopeEvents, s.cancellationEvents)}
	}
	return append([]route{
		{"POST /admin/users/{username}/cancel", who, s.cancelUser},
		{"GET /admin/users/{username}/sessions", who, s.listUserSessions},
		{"POST /admin/tokens/cancel", who, s.cancelAnyToken},
		{"POST /admin/sessions/{id}/cancel", who, s.cancelAnySession},
		{"GET /admin/status", who, s.status},
		events,
	}, s.lifecycleAdminRoutes(who)...)
}

// Routes returns the patterns that Handler serves, in the syntax of
// net/http.ServeMux ("POST /sign-in"; a pattern without a method, such as
// "/auth/verify", takes any method). It is the routing table itself, so
// that the OpenAPI document and other descriptions can be checked against
// what is really served.
func (s *Server) Routes() []string {
	s.once.Do(s.init)
	rs := s.publicRoutes()
	out := make([]string, len(rs))
	for i, rt := range rs {
		out[i] = rt.pattern
	}
	return out
}

// guard wraps fn in the checks its access level needs.
func (s *Server) guard(a access, fn handlerFunc) http.Handler {
	h := serve(fn)
	switch a {
	case optional:
		return s.verify(h)
	case user:
		return s.verify(Require(h))
	case admin:
		return s.verify(Require(serve(s.requireAdmin(fn))))
	}
	return h
}

// serve turns a handlerFunc into a handler that writes its error.
func serve(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			Error(w, r, err)
		}
	})
}

// verify is Verify with the Manager and the Authorization header, and the
// result counted in the metrics.
func (s *Server) verify(next http.Handler) http.Handler {
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.metrics.check(ErrorFrom(r.Context()))
		next.ServeHTTP(w, r)
	})
	verify := Verify(s.Manager, serverFinders...)(count)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoFrom(r.Context()); info != nil && info.verified != nil && info.auth == nil {
			info.auth, info.verified = info.verified, nil // verified by fastForwardAuth
			count.ServeHTTP(w, r)
			return
		}
		verify.ServeHTTP(w, r)
	})
}

// requireAdmin refuses, with 403, a caller whose subject is not an admin.
func (s *Server) requireAdmin(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !s.isAdmin(r) {
			return tokenmanager.Errorf(tokenmanager.EForbidden, "this route is for admins")
		}
		return fn(w, r)
	}
}

// isAdmin reports whether the request's verified subject is an admin.
func (s *Server) isAdmin(r *http.Request) bool {
	c, ok := ClaimsFrom(r.Context())
	return ok && s.admins[c.Subject]
}

// dispatch serves the mux, answering a request that no route matches with
// a JSON 404 or 405 (the mux's own answers are plain text), and records
// the matched pattern for the metrics and the access log. The route is
// looked up once: its handler is called directly, except for patterns
// with wildcards, which need the mux to fill in r.PathValue.
func dispatch(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if info := infoFrom(r.Context()); info != nil {
			info.pattern = pattern
		}
		switch {
		case pattern == "":
			unmatched(w, r, h)
		case strings.Contains(pattern, "{"):
			mux.ServeHTTP(w, r)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

func unmatched(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &scratchWriter{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.code != http.StatusMethodNotAllowed {
		Error(w, r, tokenmanager.Errorf(tokenmanager.ENotFound, "no such route"))
		return
	}
	allow := rec.header.Get("Allow")
	w.Header().Set("Allow", allow)
	Error(w, r, tokenmanager.Errorf(EMethodNotAllowed, "method not allowed; allowed: %s", allow))
}

// scratchWriter records a status and headers and discards the body.
type scratchWriter struct {
	header http.Header
	code   int
}

func (w *scratchWriter) Header() http.Header         { return w.header }
func (w *scratchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *scratchWriter) WriteHeader(code int)        { w.code = code }
