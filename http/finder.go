package http

import (
	"net/http"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// MaxAuthorizationLen bounds the Authorization header (and a token
// cookie) in bytes. An access token of ours is well under 1 KiB; a longer
// header is refused with 413 before anything is decoded, so a client
// cannot make the server parse megabytes per request.
const MaxAuthorizationLen = 8 << 10

// TokenFinder finds the access token of a request. It returns "" and no
// error when the request has none there (the next finder is tried), and
// an error when what it found is malformed: a request that tried to
// authenticate and got it wrong is told so, not treated as anonymous.
type TokenFinder func(r *http.Request) (string, error)

// FromAuthorizationHeader finds a bearer token in the Authorization header
// (RFC 6750 §2.1). The scheme is case-insensitive and followed by exactly
// one token of b64token characters. Another scheme (Basic, …) is not a
// bearer token and is ignored; more than one Authorization header is
// refused (which one counts would depend on the proxy), as is a header
// longer than MaxAuthorizationLen.
func FromAuthorizationHeader(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", nil
	case len(values) > 1:
		return "", tokenmanager.Errorf(tokenmanager.EInvalid, "the request has more than one Authorization header")
	case len(values[0]) > MaxAuthorizationLen:
		return "", tokenmanager.Errorf(tokenmanager.ETooLarge, "the Authorization header is longer than %d bytes", MaxAuthorizationLen)
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", nil
	}
	token := strings.TrimLeft(rest, " ")
	if !isB64Token(token) {
		return "", tokenmanager.Errorf(tokenmanager.EInvalid, `the Authorization header is not "Bearer" followed by one token`)
	}
	return token, nil
}

// FromCookie returns a finder that reads the token from the named cookie,
// for browser clients that keep it in an HttpOnly cookie rather than in
// script-readable storage. Put it after FromAuthorizationHeader when both
// are accepted. Such routes need CSRF protection of their own.
func FromCookie(name string) TokenFinder {
	return func(r *http.Request) (string, error) {
		c, err := r.Cookie(name)
		if err != nil || c.Value == "" {
			return "", nil
		}
		if len(c.Value) > MaxAuthorizationLen {
			return "", tokenmanager.Errorf(tokenmanager.ETooLarge, "the %s cookie is longer than %d bytes", name, MaxAuthorizationLen)
		}
		if !isB64Token(c.Value) {
			return "", tokenmanager.Errorf(tokenmanager.EInvalid, "the %s cookie does not hold a token", name)
		}
		return c.Value, nil
	}
}

// isB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		if !isB64TokenChar(body[i]) {
			return false
		}
	}
	return true
}

func isB64TokenChar(c byte) bool { return b64TokenChars[c] }

// b64TokenChars is RFC 6750's b64token alphabet as a table: this check runs
// on every byte of every token of every request.
var b64TokenChars = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
			b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/'
	}
	return t
}()
