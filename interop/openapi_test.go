package interop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIMatchesTraffic walks the real server end to end (accounts,
// tokens, sessions, OAuth with an admin and with a service client,
// forward-auth, admin and operations routes, HEAD, refused bodies) and
// checks every exchange against the document it serves.
func TestOpenAPIMatchesTraffic(t *testing.T) {
	s := startServer(t)
	w := newWalker(t, s, nil)
	walk(t, w, s)
	for _, e := range w.errs {
		t.Error(e)
	}
}

// TestOpenAPIWalkCatchesAWrongDocument runs the walk against documents
// made wrong on purpose: each must be caught.
func TestOpenAPIWalkCatchesAWrongDocument(t *testing.T) {
	for name, edit := range map[string]func(*openapi3.T){
		"HeadUndescribed": func(d *openapi3.T) { d.Paths.Value("/healthz").Head = nil },
		"415Undescribed":  func(d *openapi3.T) { d.Paths.Value("/sign-up").Post.Responses.Delete("415") },
		"413Undescribed":  func(d *openapi3.T) { d.Paths.Value("/sign-up").Post.Responses.Delete("413") },
		"TextPlainAllowed": func(d *openapi3.T) {
			c := d.Paths.Value("/sign-up").Post.RequestBody.Value.Content
			c["text/plain"] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())
		},
		"NoPasswordRule": func(d *openapi3.T) {
			schema(d, "SignUp").Properties["password"].Value.MinLength = 0
		},
		"WrongTokenType": func(d *openapi3.T) {
			schema(d, "Introspection").Properties["token_type"].Value.Enum = []any{"access_token", "refresh_token"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := startServer(t)
			w := newWalker(t, s, edit)
			walk(t, w, s)
			if len(w.errs) == 0 {
				t.Fatal("the walk passed against a wrong document")
			}
			t.Logf("caught: %s", w.errs[0])
		})
	}
}

func schema(d *openapi3.T, name string) *openapi3.Schema { return d.Components.Schemas[name].Value }

// walk is the end-to-end walk, on a fresh server.
func walk(t *testing.T, w *walker, s *server) {
	walkOperations(w)
	root := walkAccounts(t, w, "root")
	alice := walkAccounts(t, w, "alice")
	walkSSF(t, w, root, alice)
	walkTokens(t, w, root, alice, "alice")
	walkClients(t, w, s, alice)
	walkAdmin(t, w, root, "bob")
	walkDeleteOwn(t, w, "dee")
}

// walkOperations covers the routes that need no account.
func walkOperations(w *walker) {
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/.well-known/jwks.json",
		"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		w.do("get", ex{method: "GET", path: path, status: 200})
		w.do("head", ex{method: "HEAD", path: path, status: 200})
	}
}

// walkAccounts signs a user up and in (root once only), with the
// refusals the document must describe; it returns the user's pair.
func walkAccounts(t *testing.T, w *walker, name string) tokenPair {
	pw := "password of " + name
	w.do("sign-up", ex{method: "POST", path: "/sign-up", body: creds(name, pw), ctype: jsonType, status: 201})
	if name == "root" {
		w.do("sign-up taken", ex{method: "POST", path: "/sign-up", body: creds(name, pw), ctype: jsonType, status: 409})
		w.do("sign-up short password", ex{method: "POST", path: "/sign-up", body: creds("x", "short"), ctype: jsonType, status: 400, refused: true})
		w.do("sign-up space in name", ex{method: "POST", path: "/sign-up", body: creds("a b", pw), ctype: jsonType, status: 400, refused: true})
		w.do("sign-up slash in name", ex{method: "POST", path: "/sign-up", body: creds("a/b", pw), ctype: jsonType, status: 400, refused: true})
		w.do("sign-up dot-dot", ex{method: "POST", path: "/sign-up", body: creds("..", pw), ctype: jsonType, status: 400, refused: true})
		w.do("sign-up long password", ex{method: "POST", path: "/sign-up", body: creds("y", strings.Repeat("p", 1025)), ctype: jsonType, status: 400, refused: true})
		w.do("sign-up text/plain", ex{method: "POST", path: "/sign-up", body: creds("z", pw), ctype: "text/plain", status: 415, refused: true})
		w.do("sign-up form from a browser", ex{method: "POST", path: "/sign-up", body: "username=f&password=" + pw, ctype: formType, hdr: []string{"Origin", w.base}, status: 415, refused: true})
		w.do("sign-up from another site", ex{method: "POST", path: "/sign-up", body: creds("c", pw), ctype: jsonType, hdr: []string{"Sec-Fetch-Site", "cross-site"}, status: 403})
		w.do("sign-up too large", ex{method: "POST", path: "/sign-up", body: `{"username":"` + strings.Repeat("a", 70<<10) + `"}`, ctype: jsonType, status: 413, refused: true})
		w.do("sign-in wrong password", ex{method: "POST", path: "/sign-in", body: creds(name, "wrong password"), ctype: jsonType, status: 401})
	}
	p := pair(t, w.do("sign-in", ex{method: "POST", path: "/sign-in", body: creds(name, pw), ctype: jsonType, status: 200}))
	w.do("account", ex{method: "GET", path: "/account", hdr: bearer(p.AccessToken), status: 200})
	w.do("account head", ex{method: "HEAD", path: "/account", hdr: bearer(p.AccessToken), status: 200})
	return p
}

// walkTokens refreshes, verifies, lists and ends sessions, and cancels.
func walkTokens(t *testing.T, w *walker, root, p tokenPair, name string) {
	w.do("account without token", ex{method: "GET", path: "/account", status: 401})
	next := pair(t, w.do("refresh", ex{method: "POST", path: "/tokens/refresh", body: `{"refresh_token":"` + p.RefreshToken + `"}`, ctype: jsonType, status: 200}))
	w.do("refresh retired", ex{method: "POST", path: "/tokens/refresh", body: `{"refresh_token":"nope"}`, ctype: jsonType, status: 401})
	next = pair(t, w.do("oauth token", ex{method: "POST", path: "/oauth/token", body: "grant_type=refresh_token&refresh_token=" + next.RefreshToken, ctype: formType, status: 200}))
	w.do("oauth token password grant", ex{method: "POST", path: "/oauth/token", body: "grant_type=password&username=a&password=b", ctype: formType, status: 400, refused: true})
	w.do("forward-auth", ex{method: "GET", path: "/auth/verify", hdr: bearer(next.AccessToken), status: 200})
	w.do("forward-auth refused", ex{method: "GET", path: "/auth/verify", hdr: bearer("not.a.token"), status: 401})
	w.do("sessions", ex{method: "GET", path: "/sessions", hdr: bearer(next.AccessToken), status: 200})
	other := pair(t, w.do("second device", ex{method: "POST", path: "/sign-in", body: creds(name, "password of "+name), ctype: jsonType, status: 200}))
	w.do("end a session", ex{method: "DELETE", path: "/sessions/" + other.SessionID, hdr: bearer(next.AccessToken), status: 204})
	w.do("introspect as admin", ex{method: "POST", path: "/oauth/introspect", body: "token=" + next.AccessToken, ctype: formType, hdr: bearer(root.AccessToken), status: 200})
	w.do("introspect as user", ex{method: "POST", path: "/oauth/introspect", body: "token=" + next.AccessToken, ctype: formType, hdr: bearer(next.AccessToken), status: 403})
	w.do("introspect JSON", ex{method: "POST", path: "/oauth/introspect", body: `{"token":"x"}`, ctype: jsonType, hdr: bearer(root.AccessToken), status: 415, refused: true})
	w.do("cancel own token", ex{method: "POST", path: "/tokens/cancel", hdr: bearer(next.AccessToken), status: 204})
	w.do("introspect cancelled", ex{method: "POST", path: "/oauth/introspect", body: "token=" + next.AccessToken, ctype: formType, hdr: bearer(root.AccessToken), status: 200})
	w.do("revoke refresh", ex{method: "POST", path: "/tokens/revoke", body: `{"refresh_token":"` + next.RefreshToken + `"}`, ctype: jsonType, status: 204})
	again := pair(t, w.do("sign-in again", ex{method: "POST", path: "/sign-in", body: creds(name, "password of "+name), ctype: jsonType, status: 200}))
	w.do("oauth revoke", ex{method: "POST", path: "/oauth/revoke", body: "token=" + again.RefreshToken, ctype: formType, status: 200})
	last := pair(t, w.do("sign-in last", ex{method: "POST", path: "/sign-in", body: creds(name, "password of "+name), ctype: jsonType, status: 200}))
	w.do("sign-out", ex{method: "POST", path: "/sign-out?scope=global", hdr: bearer(last.AccessToken), status: 204})
}

// walkClients introspects and follows the event stream as a service
// client.
func walkClients(t *testing.T, w *walker, s *server, p tokenPair) {
	var c struct{ ClientID, ClientSecret string }
	out := s.cli("clients", "add", "rs", "--scope", "introspect,events")
	if err := json.Unmarshal(out, &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&c.ClientID, &c.ClientSecret}); err != nil {
		t.Fatal(err)
	}
	w.do("introspect as client", ex{method: "POST", path: "/oauth/introspect", body: "token=" + p.AccessToken, ctype: formType, hdr: basicAuth(c.ClientID, c.ClientSecret), status: 200})
	w.do("introspect client_secret_post", ex{method: "POST", path: "/oauth/introspect", body: "token=x&client_id=" + c.ClientID + "&client_secret=" + c.ClientSecret, ctype: formType, status: 200})
	w.do("introspect wrong secret", ex{method: "POST", path: "/oauth/introspect", body: "token=x", ctype: formType, hdr: basicAuth(c.ClientID, "wrong"), status: 401})
	w.do("revoke outside scope", ex{method: "POST", path: "/oauth/revoke", body: "token=a.b.c", ctype: formType, hdr: basicAuth(c.ClientID, c.ClientSecret), status: 403})
	w.do("events as client", ex{method: "GET", path: "/events/cancellations", hdr: basicAuth(c.ClientID, c.ClientSecret), status: 200})
}

// walkAdmin uses the admin routes on a fresh user.
func walkAdmin(t *testing.T, w *walker, root tokenPair, name string) {
	pw := "password of " + name
	w.do("sign-up bob", ex{method: "POST", path: "/sign-up", body: creds(name, pw), ctype: jsonType, status: 201})
	b := pair(t, w.do("sign-in bob", ex{method: "POST", path: "/sign-in", body: creds(name, pw), ctype: jsonType, status: 200}))
	admin := bearer(root.AccessToken)
	w.do("status", ex{method: "GET", path: "/admin/status", hdr: admin, status: 200})
	w.do("status as user", ex{method: "GET", path: "/admin/status", hdr: bearer(b.AccessToken), status: 403})
	w.do("user sessions", ex{method: "GET", path: "/admin/users/" + name + "/sessions", hdr: admin, status: 200})
	w.do("cancel session", ex{method: "POST", path: "/admin/sessions/" + b.SessionID + "/cancel", hdr: admin, status: 204})
	w.do("cancel token", ex{method: "POST", path: "/admin/tokens/cancel", body: `{"token":"` + b.AccessToken + `"}`, ctype: jsonType, hdr: admin, status: 204})
	w.do("cancel user", ex{method: "POST", path: "/admin/users/" + name + "/cancel", hdr: admin, status: 204})
	w.do("disable", ex{method: "POST", path: "/admin/users/" + name + "/disable", hdr: admin, status: 204})
	w.do("sign-in disabled", ex{method: "POST", path: "/sign-in", body: creds(name, pw), ctype: jsonType, status: 403})
	w.do("enable", ex{method: "POST", path: "/admin/users/" + name + "/enable", hdr: admin, status: 204})
	c := pair(t, w.do("sign-in enabled", ex{method: "POST", path: "/sign-in", body: creds(name, pw), ctype: jsonType, status: 200}))
	w.do("change password", ex{method: "POST", path: "/account/password", body: `{"current_password":"` + pw + `","new_password":"another password"}`, ctype: jsonType, hdr: bearer(c.AccessToken), status: 204})
	w.do("change password wrong", ex{method: "POST", path: "/account/password", body: `{"current_password":"nope nope","new_password":"another password"}`, ctype: jsonType, hdr: bearer(c.AccessToken), status: 403})
	w.do("delete user", ex{method: "DELETE", path: "/admin/users/" + name, hdr: admin, status: 204})
	w.do("no such user", ex{method: "DELETE", path: "/admin/users/" + name, hdr: admin, status: 404})
}

// walkDeleteOwn deletes a user's own account: a wrong password, a body
// the document refuses, then the deletion.
func walkDeleteOwn(t *testing.T, w *walker, name string) {
	pw := "password of " + name
	w.do("sign-up "+name, ex{method: "POST", path: "/sign-up", body: creds(name, pw), ctype: jsonType, status: 201})
	p := pair(t, w.do("sign-in "+name, ex{method: "POST", path: "/sign-in", body: creds(name, pw), ctype: jsonType, status: 200}))
	own := bearer(p.AccessToken)
	w.do("delete account wrong password", ex{method: "DELETE", path: "/account", body: `{"password":"nope nope"}`, ctype: jsonType, hdr: own, status: 403})
	w.do("delete account unknown field", ex{method: "DELETE", path: "/account", body: `{"pass":"x"}`, ctype: jsonType, hdr: own, status: 400, refused: true})
	w.do("delete account", ex{method: "DELETE", path: "/account", body: `{"password":"` + pw + `"}`, ctype: jsonType, hdr: own, status: 204})
	w.do("account after deletion", ex{method: "GET", path: "/account", hdr: own, status: 401})
}
