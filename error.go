package tokenmanager

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are the OAuth 2.0 / RFC 6750 codes where one fits, so that
// the HTTP layer can send them as they are; the http package maps each code
// to a status in one table.
const (
	EInvalid      = "invalid_request"         // malformed input: 400
	EInvalidToken = "invalid_token"           // bad, expired or cancelled access token: 401
	EInvalidGrant = "invalid_grant"           // wrong credentials or refresh token: 401
	EForbidden    = "insufficient_scope"      // authenticated but not allowed: 403
	EAccessDenied = "access_denied"           // a disabled account, or a wrong password of the signed-in user: 403
	ENotFound     = "not_found"               // no such thing: 404
	EConflict     = "conflict"                // already exists: 409
	ETooLarge     = "request_too_large"       // body or token over its limit: 413
	ERateLimited  = "rate_limited"            // too many attempts: 429
	EUnavailable  = "temporarily_unavailable" // the store cannot make it durable or answer: 503
	EInternal     = "server_error"            // a bug or an unexpected failure: 500
)

// Error is the one error type of TokenManager. Code is machine-readable,
// Message is safe to show to the client, and Err is the cause, which is only
// logged: a store error or a parser detail never reaches the client.
type Error struct {
	Code    string
	Message string
	Err     error
	// Retry, when set, tells the client how long to wait (Retry-After).
	Retry time.Duration
}

// RetryAfter returns how long the client should wait before trying again;
// 0 when unknown.
func (e *Error) RetryAfter() time.Duration { return e.Retry }

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a message for the client.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with a client message that keeps err as its
// cause for the logs.
func Wrap(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, and a generic message for anything else, so that internal details
// never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
