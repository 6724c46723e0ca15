package http

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
)

// ctxKey is the type of this package's context keys, so no other package
// can read or overwrite them.
type ctxKey int

const (
	authKey ctxKey = iota // *authResult, set by Verify
	infoKey               // *requestInfo, set by the Server's observe middleware
)

// authResult is what Verify learned about a request: the raw token it
// found (if any), and either the token's claims or why there are none.
type authResult struct {
	raw    string
	claims *tokenmanager.Claims
	err    error
}

// requestInfo is what the Server knows of a request for its logs and
// metrics: the request id, a logger that carries it, and the route
// pattern once the mux has chosen one.
type requestInfo struct {
	id      string
	base    *slog.Logger // the Server's logger; logger() adds the id on first use
	derived *slog.Logger
	pattern string
	auth    *authResult // set by Verify inside a Server
	// verified is a verification already made by fastForwardAuth, which
	// the Server's verify takes instead of verifying the token again.
	verified *authResult
}

// logger returns the request's logger, built on first use: most requests
// log nothing, and slog.Logger.With costs an allocation and a format.
func (i *requestInfo) logger() *slog.Logger {
	if i.derived == nil {
		i.derived = i.base.With(slog.String("request_id", i.id))
	}
	return i.derived
}

// ClaimsFrom returns the verified claims that [Verify] put in the context,
// and false when the request had no valid token (see [ErrorFrom] for why).
// Handlers behind [Require] can rely on it returning true.
func ClaimsFrom(ctx context.Context) (*tokenmanager.Claims, bool) {
	a := authFrom(ctx)
	if a == nil || a.claims == nil {
		return nil, false
	}
	return a.claims, true
}

// Claims returns the verified claims of a request behind [Authenticate] (or
// [Verify] and [Require]): one line in a handler. It returns nil when the
// request has none, which [Require] never lets through.
func Claims(r *http.Request) *tokenmanager.Claims {
	c, _ := ClaimsFrom(r.Context())
	return c
}

// ErrorFrom returns why the request has no valid claims: [ErrNoToken] when
// it carried no token (or [Verify] did not run), the finder's or the
// verifier's error otherwise, and nil when the claims are valid.
func ErrorFrom(ctx context.Context) error {
	a := authFrom(ctx)
	switch {
	case a == nil:
		return ErrNoToken
	case a.claims != nil:
		return nil
	}
	return a.err
}

// rawTokenFrom returns the token Verify found, valid or not, so that
// RFC 7009 revocation can tell whether the bearer is the token revoked.
func rawTokenFrom(ctx context.Context) string {
	a := authFrom(ctx)
	if a == nil {
		return ""
	}
	return a.raw
}

// loggerFrom returns the request's logger (with its request id) when the
// Server set one, slog.Default() otherwise: Error works for library users
// too.
func loggerFrom(ctx context.Context) *slog.Logger {
	if info := infoFrom(ctx); info != nil && info.base != nil {
		return info.logger()
	}
	return slog.Default()
}

// infoFrom returns the request's info, nil outside a Server.
func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(infoKey).(*requestInfo)
	return info
}

// RequestID returns the id of the request (the X-Request-Id the Server
// accepted or generated), "" outside a Server; handlers put it in their
// own logs so that one request can be followed across services.
func RequestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// authFrom returns what Verify learned of the request: from the context
// (the library's middleware) or from the Server's request info.
func authFrom(ctx context.Context) *authResult {
	if a, _ := ctx.Value(authKey).(*authResult); a != nil {
		return a
	}
	if info := infoFrom(ctx); info != nil {
		return info.auth
	}
	return nil
}
