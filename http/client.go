package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// maxUserAgent bounds the User-Agent kept in a session: it is shown to
// the user and stored, so a client cannot make either large.
const maxUserAgent = 256

// sessionMeta describes the client of r for its session record.
func (s *Server) sessionMeta(r *http.Request) tokenmanager.SessionMeta {
	return tokenmanager.SessionMeta{UserAgent: userAgent(r), Address: s.clientAddress(r)}
}

// clientAddress returns the client's IP address: the connection's peer,
// or with TrustProxyHeaders the last X-Forwarded-For entry, which the
// trusted proxy in front added (entries before it are the client's own
// claims).
func (s *Server) clientAddress(r *http.Request) string {
	if s.TrustProxyHeaders {
		if a, ok := lastForwardedFor(r.Header.Values("X-Forwarded-For")); ok {
			return a
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return ""
}

// lastForwardedFor returns the last address of the X-Forwarded-For
// headers, when it is one.
func lastForwardedFor(values []string) (string, bool) {
	if len(values) == 0 {
		return "", false
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	a, err := netip.ParseAddr(strings.TrimSpace(last))
	if err != nil {
		return "", false
	}
	return a.Unmap().String(), true
}

// userAgent returns the request's User-Agent, valid UTF-8 and at most
// maxUserAgent bytes.
func userAgent(r *http.Request) string {
	ua := strings.ToValidUTF8(r.UserAgent(), "")
	if len(ua) <= maxUserAgent {
		return ua
	}
	return strings.ToValidUTF8(ua[:maxUserAgent], "")
}
