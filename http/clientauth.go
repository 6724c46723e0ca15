package http

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// Service clients authenticate on the OAuth routes and the event stream
// as RFC 6749 §2.3.1 says: client_secret_basic (the Authorization header,
// id and secret each form-urlencoded before base64) or client_secret_post
// (client_id and client_secret in the form body). An admin's bearer token
// keeps working where a client may call.

// ClientAuthMethods are the client authentication methods the discovery
// metadata names for the introspection and revocation endpoints.
var ClientAuthMethods = []string{"client_secret_basic", "client_secret_post"}

// clientCreds are the client credentials a request carries.
type clientCreds struct {
	id, secret string
}

// clientCredentials returns the request's client credentials, or nil when
// it carries none. Malformed Basic credentials, a client_id without a
// secret, or both methods at once are refused (RFC 6749 §2.3: one
// method per request).
func clientCredentials(r *http.Request, form url.Values) (*clientCreds, error) {
	basic, err := basicCredentials(r)
	if err != nil {
		return nil, err
	}
	post, err := postCredentials(form)
	if err != nil {
		return nil, err
	}
	if basic != nil && post != nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the client authenticated twice (Basic and form): use one method")
	}
	if basic != nil {
		return basic, nil
	}
	return post, nil
}

// basicCredentials decodes an Authorization: Basic header (nil when the
// header has another scheme or is absent).
func basicCredentials(r *http.Request) (*clientCreds, error) {
	values := r.Header.Values("Authorization")
	if len(values) != 1 || len(values[0]) > MaxAuthorizationLen {
		return nil, nil // FromAuthorizationHeader refuses these
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return nil, badClient("the Basic credentials are not base64")
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, badClient("the Basic credentials have no colon")
	}
	if id, err = url.QueryUnescape(id); err != nil {
		return nil, badClient("the client id is not form-urlencoded")
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return nil, badClient("the client secret is not form-urlencoded")
	}
	return &clientCreds{id, secret}, nil
}

// postCredentials reads client_id and client_secret from a form (nil when
// there is no client_id).
func postCredentials(form url.Values) (*clientCreds, error) {
	id, err := formValue(form, "client_id", false)
	if err != nil {
		return nil, err
	}
	secret, err := formValue(form, "client_secret", false)
	if err != nil {
		return nil, err
	}
	if id == "" && secret == "" {
		return nil, nil
	}
	if id == "" || secret == "" {
		return nil, badClient("client_id and client_secret go together")
	}
	return &clientCreds{id, secret}, nil
}

func badClient(msg string) error { return tokenmanager.Errorf(tokenmanager.EInvalidClient, "%s", msg) }

// authorize lets the request through if it carries the credentials of a
// client with scope, or, without client credentials, an admin's bearer
// token. It returns whether a client was authenticated: false with a nil
// error means an admin. Wrong client credentials are 401 invalid_client,
// a client without the scope or a user who is not an admin 403.
func (s *Server) authorize(r *http.Request, form url.Values, scope string) (bool, error) {
	c, err := s.client(r, form)
	switch {
	case err != nil:
		return false, err
	case c != nil && !c.HasScope(scope):
		return true, tokenmanager.Errorf(tokenmanager.EForbidden, "the client has no %q scope", scope)
	case c != nil:
		return true, nil
	case s.isAdmin(r):
		return false, nil
	}
	if _, ok := ClaimsFrom(r.Context()); ok {
		return false, tokenmanager.Errorf(tokenmanager.EForbidden, "this route is for admins and service clients")
	}
	return false, ErrorFrom(r.Context())
}

// client authenticates the request's client credentials: nil when it has
// none.
func (s *Server) client(r *http.Request, form url.Values) (*tokenmanager.Client, error) {
	cred, err := clientCredentials(r, form)
	if err != nil || cred == nil {
		return nil, err
	}
	if s.Clients == nil {
		return nil, badClient("this server has no service clients")
	}
	c, err := tokenmanager.AuthenticateClient(r.Context(), s.Clients, cred.id, cred.secret)
	if err != nil {
		return nil, err
	}
	loggerFrom(r.Context()).Debug("service client authenticated", "client_id", c.ID)
	return c, nil
}

// adminOrClient guards a route without a form of its own (the event
// stream): an admin's bearer token, or a client with scope by Basic
// credentials or, when the request has a form body, client_secret_post.
func (s *Server) adminOrClient(scope string, fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var form url.Values
		if isForm(r) {
			var err error
			if form, err = decodeForm(w, r, s.MaxBodyBytes); err != nil {
				return err
			}
		}
		if _, err := s.authorize(r, form, scope); err != nil {
			return err
		}
		return fn(w, r)
	}
}

// isForm reports whether the request declares a form body.
func isForm(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}
