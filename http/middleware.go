package http

import (
	"context"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// Verifier is what the middleware asks of a verifier: the root package's
// [tokenmanager.Verifier], which the Manager, service.Service and
// remote.Verifier satisfy, and which tests can stand in for.
type Verifier = tokenmanager.Verifier

// Verify returns middleware that finds the request's token with the
// finders (in order; the Authorization header when none are given),
// verifies it, and puts the claims, or the reason there are none, in the
// context for [ClaimsFrom] and [ErrorFrom]. It never refuses a request:
// put [Require] after it for that, or read the context to serve anonymous
// and signed-in users differently.
func Verify(v Verifier, finders ...TokenFinder) func(http.Handler) http.Handler {
	if len(finders) == 0 {
		finders = []TokenFinder{FromAuthorizationHeader}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res := verifyRequest(r, v, finders)
			if info := infoFrom(r.Context()); info != nil && info.auth == nil {
				info.auth = res // inside a Server: no copy of the request
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey, res)))
		})
	}
}

// verifyRequest runs the finders until one finds a token or fails, then
// verifies the token found.
func verifyRequest(r *http.Request, v Verifier, finders []TokenFinder) *authResult {
	res := verifyToken(r, v, finders)
	return &res
}

// verifyToken is verifyRequest without the allocation of its result.
func verifyToken(r *http.Request, v Verifier, finders []TokenFinder) authResult {
	raw, err := findToken(r, finders)
	if err != nil {
		return authResult{err: err}
	}
	if raw == "" {
		return authResult{err: ErrNoToken}
	}
	claims, err := v.Verify(r.Context(), raw)
	if err == nil && claims == nil {
		err = tokenmanager.Errorf(tokenmanager.EInternal, "the verifier returned no claims")
	}
	return authResult{raw: raw, claims: claims, err: err}
}

// findToken returns the first token a finder finds, or the first
// finder's error.
func findToken(r *http.Request, finders []TokenFinder) (string, error) {
	for _, find := range finders {
		raw, err := find(r)
		if err != nil || raw != "" {
			return raw, err
		}
	}
	return "", nil
}

// Require refuses, through [Error], every request that [Verify] did not
// find valid claims for: 401 with a WWW-Authenticate challenge for a
// missing, bad, expired or cancelled token, 400 or 413 for a malformed
// Authorization header, 503 when the cancelled set cannot be consulted.
func Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := ClaimsFrom(r.Context()); !ok {
			Error(w, r, ErrorFrom(r.Context()))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Authenticate is [Verify] followed by [Require]: the middleware for a
// route that only signed-in users may call.
func Authenticate(v Verifier, finders ...TokenFinder) func(http.Handler) http.Handler {
	verify := Verify(v, finders...)
	return func(next http.Handler) http.Handler { return verify(Require(next)) }
}
