package http

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The console's cookies. They are HttpOnly (no script reads them),
// SameSite=Strict (no other site's page sends them) and scoped to the
// console's path.
const (
	cookieAccess  = "tm_access"
	cookieRefresh = "tm_refresh"
	cookieCSRF    = "tm_csrf"
)

// maxConsoleForm bounds a console form's body.
const maxConsoleForm = 16 << 10

// consoleReq is one console request: who is signed in (claims nil when
// nobody is) and the token its forms must carry.
type consoleReq struct {
	w         http.ResponseWriter
	r         *http.Request
	claims    *tokenmanager.Claims
	admin     bool
	csrf      string
	signedOut bool // the browser held tokens that no longer work
}

// consoleFunc handles a console request. It writes its success (a page or
// a redirect) and returns its failure, which the console renders as a page.
type consoleFunc func(q *consoleReq) error

// page serves a GET: it sets the form token cookie when the browser has
// none, and loads the signed-in user, refreshing their tokens if needed.
func (c *consoleApp) page(fn consoleFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := &consoleReq{w: w, r: r, csrf: c.ensureCSRF(w, r)}
		c.run(q, fn)
	}
}

// form serves a POST: the form must carry the token of the form token
// cookie (a page of another site cannot know it).
func (c *consoleApp) form(fn consoleFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := &consoleReq{w: w, r: r, csrf: c.ensureCSRF(w, r)}
		r.Body = http.MaxBytesReader(w, r.Body, maxConsoleForm)
		if err := r.ParseForm(); err != nil {
			c.fail(q, tokenmanager.Errorf(tokenmanager.EInvalid, "the form could not be read"))
			return
		}
		sent := r.PostForm.Get("csrf")
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(q.csrf)) != 1 {
			c.fail(q, tokenmanager.Errorf(tokenmanager.EForbidden, "this form has expired or did not come from this console; reload the page and try again"))
			return
		}
		c.run(q, fn)
	}
}

// run loads the user and calls fn, rendering its failure.
func (c *consoleApp) run(q *consoleReq, fn consoleFunc) {
	if err := c.load(q); err != nil {
		c.fail(q, err)
		return
	}
	if err := fn(q); err != nil {
		c.fail(q, err)
	}
}

// user lets only a signed-in user through; anyone else goes to the
// sign-in page.
func (c *consoleApp) user(fn consoleFunc) consoleFunc {
	return func(q *consoleReq) error {
		if q.claims == nil {
			return redirect(q, consolePrefix, "signed-out")
		}
		return fn(q)
	}
}

// admin lets only a signed-in admin through.
func (c *consoleApp) admin(fn consoleFunc) consoleFunc {
	return c.user(func(q *consoleReq) error {
		if !q.admin {
			return tokenmanager.Errorf(tokenmanager.EForbidden, "these pages are for admins")
		}
		return fn(q)
	})
}

// load finds the signed-in user: the access token cookie when it still
// verifies, otherwise a rotation of the refresh token cookie. Tokens that
// no longer work (expired, cancelled, the user disabled) are cleared: the
// browser is signed out. A store that cannot be asked is an error.
func (c *consoleApp) load(q *consoleReq) error {
	s, ctx := c.s, q.r.Context()
	access, refresh := cookieValue(q.r, cookieAccess), cookieValue(q.r, cookieRefresh)
	if access == "" && refresh == "" {
		return nil
	}
	claims, err := s.Manager.Verify(ctx, access)
	if err != nil && refresh != "" && tokenmanager.ErrorCode(err) != tokenmanager.EUnavailable {
		var pair *tokenmanager.TokenPair
		pair, err = s.Manager.Refresh(ctx, refresh, s.sessionMeta(q.r))
		if err == nil {
			c.setTokens(q, pair)
			claims, err = s.Manager.Verify(ctx, pair.AccessToken)
		}
	}
	switch {
	case err == nil:
		q.claims, q.admin = claims, s.admins[claims.Subject]
	case tokenmanager.ErrorCode(err) == tokenmanager.EUnavailable:
		return err
	default:
		c.clearTokens(q)
		q.signedOut = true
	}
	return nil
}

// setTokens keeps a token pair in the browser.
func (c *consoleApp) setTokens(q *consoleReq, p *tokenmanager.TokenPair) {
	life := time.Duration(p.RefreshExpiresIn) * time.Second
	c.setCookie(q, cookieAccess, p.AccessToken, life)
	c.setCookie(q, cookieRefresh, p.RefreshToken, life)
}

// clearTokens signs the browser out.
func (c *consoleApp) clearTokens(q *consoleReq) {
	c.setCookie(q, cookieAccess, "", -1)
	c.setCookie(q, cookieRefresh, "", -1)
}

// ensureCSRF returns the browser's form token, giving it one if it has
// none (or one that is not ours).
func (c *consoleApp) ensureCSRF(w http.ResponseWriter, r *http.Request) string {
	if v := cookieValue(r, cookieCSRF); len(v) == 43 {
		return v
	}
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	c.setCookie(&consoleReq{w: w, r: r}, cookieCSRF, v, 0)
	return v
}

// setCookie sets a console cookie; maxAge 0 lasts the browser session and
// a negative one deletes the cookie.
func (c *consoleApp) setCookie(q *consoleReq, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name: name, Value: value, Path: consolePrefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure(q.r),
	}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(q.w, ck)
}

// secure reports whether the browser reached the console over https, so
// that its cookies must never travel in clear.
func (c *consoleApp) secure(r *http.Request) bool {
	if r.TLS != nil || strings.HasPrefix(c.s.PublicURL, "https://") {
		return true
	}
	return c.s.TrustProxyHeaders && r.Header.Get("X-Forwarded-Proto") == "https"
}

// cookieValue returns the value of a cookie, "" when absent.
func cookieValue(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// redirect sends the browser to path after a form, with a note for the
// next page (303: the next request is a GET).
func redirect(q *consoleReq, path, note string) error {
	if note != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "note=" + url.QueryEscape(note)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
	return nil
}

// errConsoleNotFound is the answer to a console path that does not exist.
var errConsoleNotFound = errors.New("no such page")
