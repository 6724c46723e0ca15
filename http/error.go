package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// Codes that only HTTP can produce, added to the root package's codes so
// that they too go through the one status table.
const (
	EMethodNotAllowed     = "method_not_allowed"     // 405: the path exists, the method does not
	EUnsupportedMediaType = "unsupported_media_type" // 415: a body that is not JSON (or not a form)
)

// Realm is the realm named in the challenge sent to a request that carried
// no credentials at all (RFC 6750 §3.1).
const Realm = "tokenmanager"

// ErrNoToken is the refusal of a request that carried no access token
// (no Authorization header, or one of another scheme). It is an
// invalid_token error in the JSON body, but its challenge carries only
// the realm and no error code, as RFC 6750 §3.1 asks of a request that
// lacked any authentication information. Compare with errors.Is.
var ErrNoToken error = &tokenmanager.Error{Code: tokenmanager.EInvalidToken, Message: "the request carries no access token"}

// statuses is the one table that maps an error code to its HTTP status.
// A code missing from it (or an error that is no *tokenmanager.Error) is a
// 500 server_error.
var statuses = map[string]int{
	tokenmanager.EInvalid:       http.StatusBadRequest,
	tokenmanager.EInvalidToken:  http.StatusUnauthorized,
	tokenmanager.EInvalidGrant:  http.StatusUnauthorized, // wrong sign-in, bad refresh token
	tokenmanager.EInvalidClient: http.StatusUnauthorized, // service client credentials (RFC 6749 §5.2)
	tokenmanager.EForbidden:     http.StatusForbidden,
	tokenmanager.EAccessDenied:  http.StatusForbidden,
	ECrossOrigin:                http.StatusForbidden,
	tokenmanager.ENotFound:      http.StatusNotFound,
	EMethodNotAllowed:           http.StatusMethodNotAllowed,
	tokenmanager.EConflict:      http.StatusConflict,
	tokenmanager.ETooLarge:      http.StatusRequestEntityTooLarge,
	EUnsupportedMediaType:       http.StatusUnsupportedMediaType,
	EUnsupportedGrantType:       http.StatusBadRequest,
	tokenmanager.ERateLimited:   http.StatusTooManyRequests,
	tokenmanager.EInternal:      http.StatusInternalServerError,
	tokenmanager.EUnavailable:   http.StatusServiceUnavailable,
}

// unavailableRetry is the Retry-After of a 503 whose cause does not say
// when to come back: the replica's outage or the store's, which clears
// or fails closed within seconds.
const unavailableRetry = time.Second

// errorBody is the JSON of every error: the OAuth 2.0 / RFC 6750 shape.
type errorBody struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// Error writes err as the response: the one place where an error becomes
// a status, a WWW-Authenticate challenge and a JSON body. The client reads
// only the code and the error's client-safe message; the cause of a 5xx is
// logged with the request id. Errors also get Cache-Control: no-store, so
// no cache keeps a refusal that a new token would lift.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	code, status := codeAndStatus(err)
	msg := tokenmanager.ErrorMessage(err)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status >= http.StatusInternalServerError {
		logCause(r, status, code, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	if code == tokenmanager.EInvalidClient { // RFC 6749 §5.2: the scheme the client used
		h.Set("WWW-Authenticate", `Basic realm="`+Realm+`", error="`+code+`", error_description="`+authParam(msg)+`"`)
	} else if c := challenge(status, code, msg, errors.Is(err, ErrNoToken)); c != "" {
		h.Set("WWW-Authenticate", c)
	}
	if d := retryAfter(status, err); d > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Code: code, Description: msg})
}

// codeAndStatus looks err's code up in the status table.
func codeAndStatus(err error) (string, int) {
	code := tokenmanager.ErrorCode(err)
	if status, ok := statuses[code]; ok {
		if o := statusOverride(err); o != 0 {
			return code, o
		}
		return code, status
	}
	return tokenmanager.EInternal, http.StatusInternalServerError
}

// challenge returns the WWW-Authenticate value of a 401 or 403: the error
// and its description; for a request without credentials, only the realm
// (RFC 6750 §3.1: no error code when the client did not try to
// authenticate). Other statuses get none.
func challenge(status int, code, msg string, bare bool) string {
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		return ""
	}
	if bare && status == http.StatusUnauthorized {
		return `Bearer realm="` + Realm + `"`
	}
	return `Bearer error="` + authParam(code) + `", error_description="` + authParam(msg) + `"`
}

// authParam makes s fit in an RFC 6750 auth-param: only %x20-21 / %x23-5B /
// %x5D-7E are allowed, so a double quote becomes a single one, a
// backslash a slash, and anything else outside the set a question mark.
// No message can break out of its quotes or split the header.
func authParam(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

// retryAfter returns how long the client should wait: what the error
// says when it knows (an error with a RetryAfter method), else a default
// for 503.
func retryAfter(status int, err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		return ra.RetryAfter()
	}
	if status == http.StatusServiceUnavailable {
		return unavailableRetry
	}
	return 0
}

// logCause logs the cause of a 5xx, which the client never sees: an error
// for a 500 (a bug), a warning for a 503 (the store, already logged by
// the replica).
func logCause(r *http.Request, status int, code string, err error) {
	level := slog.LevelError
	if status == http.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	loggerFrom(r.Context()).LogAttrs(r.Context(), level, "request failed",
		slog.Int("status", status), slog.String("code", code),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Any("err", err))
}
