package http

import (
	"net/http"
	"net/url"

	"github.com/tokenmanager/tokenmanager"
)

// ECrossOrigin is the code of a state-changing request that a browser
// sent from another site (403): the server takes no such request, since
// the browser would attach whatever it holds for this origin to it.
const ECrossOrigin = "cross_origin_request"

// errCrossOrigin is the refusal written by crossOrigin.
var errCrossOrigin = tokenmanager.Errorf(ECrossOrigin, "cross-origin requests that change state are refused; call this API from its own origin or from a server")

// crossOrigin refuses cross-origin state-changing requests with
// net/http.CrossOriginProtection: a POST, PUT, PATCH or DELETE whose
// Sec-Fetch-Site is cross-site or same-site, or, from a browser that
// does not send it, whose Origin is not the Host, gets a 403 through
// [Error]. Requests without either header (curl, servers) and safe
// methods pass. GET /auth/verify is exempt: proxies forward the original
// request's method and headers to it, and it changes nothing. publicURL,
// when set, is a trusted origin: behind a proxy that rewrites Host, the
// server's own pages send it as their Origin.
func crossOrigin(next http.Handler, publicURL string) http.Handler {
	p := http.NewCrossOriginProtection()
	p.AddInsecureBypassPattern("/auth/verify")
	if u, err := url.Parse(publicURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = p.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, errCrossOrigin)
	}))
	return p.Handler(next)
}

// browserSent reports whether the request carries a header that only
// browsers send on their own (Origin or Sec-Fetch-Site): such a request
// must say its JSON is JSON.
func browserSent(r *http.Request) bool {
	return r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != ""
}
