package http_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// browser is a client with a cookie jar that sends what a browser sends
// with the console's forms: its form token and same-origin headers.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
	agent  string
}

func newBrowser(t *testing.T, e *env, agent string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, agent: agent, client: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	req.Header.Set("User-Agent", b.agent)
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, string(readAll(b.t, res))
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.URL+path, nil)
	return b.do(req)
}

// post submits a console form from the console's own page.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", b.cookie("tm_csrf"))
	}
	req, _ := http.NewRequest("POST", b.e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.URL + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// signIn opens the console and signs in with the form.
func (b *browser) signIn(name string) {
	b.t.Helper()
	b.get("/console/")
	status, body := b.post("/console/sign-in", url.Values{"username": {name}, "password": {password}})
	if status != http.StatusOK || !strings.Contains(body, "Signed in as <strong>"+name) {
		b.t.Fatalf("console sign-in as %s: %d\n%s", name, status, body)
	}
}

const firefoxOnLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"

// verifies reports whether GET /auth/verify accepts an access token.
func verifies(t *testing.T, e *env, token string) bool {
	t.Helper()
	return e.call(t, "GET", "/auth/verify", nil, "Authorization", "Bearer "+token).Status == http.StatusOK
}

func TestConsoleListsAndEndsDevices(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	laptop := e.signIn(t, "alice", "User-Agent", firefoxOnLinux)
	b := newBrowser(t, e, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15")
	b.signIn("alice")
	_, home := b.get("/console/")
	for _, want := range []string{"Safari on macOS <span class=\"badge\">This device</span>", "Firefox on Linux", "Sign out every other device"} {
		if !strings.Contains(home, want) {
			t.Errorf("the device list lacks %q", want)
		}
	}
	status, _ := b.post("/console/sessions/end", url.Values{"session": {laptop.SessionID}})
	if status != http.StatusOK || verifies(t, e, laptop.AccessToken) {
		t.Fatalf("ending the laptop's session: %d, its token still verifies: %v", status, verifies(t, e, laptop.AccessToken))
	}
	if !verifies(t, e, b.cookie("tm_access")) {
		t.Fatal("ending another device signed this browser out")
	}
	access := b.cookie("tm_access")
	b.post("/console/sign-out", nil)
	if verifies(t, e, access) || b.cookie("tm_access") != "" {
		t.Fatal("after signing out, the console's token still verifies or its cookie remains")
	}
}

func TestConsoleCookies(t *testing.T) {
	for _, c := range []struct {
		name, publicURL string
		secure          bool
	}{{"http", "", false}, {"behind https", "https://tm.test", true}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(s *setup) { s.server = func(srv *tmhttp.Server) { srv.PublicURL = c.publicURL } })
			e.user(t, "alice")
			res := e.call(t, "GET", "/console/", nil)
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q is not strict", csp)
			}
			csrf := ""
			for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
				if ck.Name == "tm_csrf" {
					csrf = ck.Value
				}
			}
			form := url.Values{"csrf": {csrf}, "username": {"alice"}, "password": {password}}.Encode()
			req, _ := http.NewRequest("POST", e.URL+"/console/sign-in", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "tm_csrf", Value: csrf})
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			out, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out.Body.Close()
			got := map[string]*http.Cookie{}
			for _, ck := range out.Cookies() {
				got[ck.Name] = ck
			}
			for _, name := range []string{"tm_access", "tm_refresh"} {
				ck := got[name]
				if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" || ck.Secure != c.secure {
					t.Errorf("cookie %s = %+v; want HttpOnly, SameSite=Strict, Path=/console/, Secure=%v", name, ck, c.secure)
				}
			}
		})
	}
}

func TestConsoleRefusesForeignForms(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	for _, c := range []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"no form token", url.Values{"csrf": {""}}, nil},
		{"another form token", url.Values{"csrf": {strings.Repeat("A", 43)}}, nil},
		{"another site", nil, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBrowser(t, e, "test")
			b.get("/console/")
			form := url.Values{"username": {"alice"}, "password": {password}}
			for k, v := range c.form {
				form[k] = v
			}
			if !form.Has("csrf") {
				form.Set("csrf", b.cookie("tm_csrf"))
			}
			req, _ := http.NewRequest("POST", e.URL+"/console/sign-in", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			status, _ := b.do(req)
			if status != http.StatusForbidden || b.cookie("tm_access") != "" {
				t.Fatalf("a forged sign-in form: %d, signed in: %v; want 403 and no session", status, b.cookie("tm_access") != "")
			}
		})
	}
}

func TestConsoleRefreshesAnExpiredAccessToken(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	b := newBrowser(t, e, "test")
	b.signIn("alice")
	first := b.cookie("tm_access")
	e.clock.Advance(time.Hour) // the access token expired, the refresh token did not
	if status, body := b.get("/console/"); status != http.StatusOK || !strings.Contains(body, "Signed in as") {
		t.Fatalf("after the access token expired: %d, signed in: %v", status, strings.Contains(body, "Signed in as"))
	}
	if b.cookie("tm_access") == first {
		t.Fatal("the access token cookie was not renewed")
	}
}

func TestConsoleAdminDisablesAndSignsOut(t *testing.T) {
	e := newEnv(t)
	e.user(t, "root")
	e.user(t, "alice")
	alice := newBrowser(t, e, firefoxOnLinux)
	alice.signIn("alice")
	if status, _ := alice.get("/console/admin"); status != http.StatusForbidden {
		t.Fatalf("a user on the admin pages: %d, want 403", status)
	}
	root := newBrowser(t, e, "test")
	root.signIn("root")
	_, page := root.get("/console/admin?user=alice")
	if !strings.Contains(page, "Firefox on Linux") || !strings.Contains(page, "Active") {
		t.Fatalf("the admin page of alice lacks her device or state:\n%s", page)
	}
	if status, page := root.post("/console/admin/users/alice/disable", nil); status != http.StatusOK || !strings.Contains(page, "Disabled") {
		t.Fatalf("disable: %d\n%s", status, page)
	}
	if status, _ := alice.get("/console/alive"); status != http.StatusUnauthorized {
		t.Fatalf("alice's open console after she was disabled: /console/alive %d, want 401", status)
	}
	if _, home := alice.get("/console/"); !strings.Contains(home, `action="/console/sign-in"`) {
		t.Fatal("alice's console still shows her account after she was disabled")
	}
	root.post("/console/admin/users/alice/enable", nil)
	alice.signIn("alice")
}

func TestConsolePasswordAndDeletion(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	phone := e.signIn(t, "alice")
	b := newBrowser(t, e, "test")
	b.signIn("alice")
	next := "a brand new passphrase"
	if status, _ := b.post("/console/password", url.Values{"current_password": {password}, "new_password": {next}, "confirm_password": {"typo"}}); status != http.StatusBadRequest {
		t.Fatalf("two different new passwords: %d, want 400", status)
	}
	if status, _ := b.post("/console/password", url.Values{"current_password": {"wrong"}, "new_password": {next}, "confirm_password": {next}}); status != http.StatusForbidden {
		t.Fatalf("a wrong current password: %d, want 403", status)
	}
	status, body := b.post("/console/password", url.Values{"current_password": {password}, "new_password": {next}, "confirm_password": {next}})
	if status != http.StatusOK || !strings.Contains(body, "Your password was changed") || verifies(t, e, phone.AccessToken) {
		t.Fatalf("password change: %d, the other device still verifies: %v", status, verifies(t, e, phone.AccessToken))
	}
	access := b.cookie("tm_access")
	if status, body := b.post("/console/delete", url.Values{"password": {next}}); status != http.StatusOK || !strings.Contains(body, "account was deleted") {
		t.Fatalf("delete: %d\n%s", status, body)
	}
	if verifies(t, e, access) {
		t.Fatal("the deleted account's console token still verifies")
	}
}

func TestConsoleLiveStreamIsForAdmins(t *testing.T) {
	e := newEnv(t)
	e.user(t, "root")
	e.user(t, "alice")
	alice := newBrowser(t, e, "test")
	alice.signIn("alice")
	if status, _ := alice.get("/console/events"); status != http.StatusForbidden {
		t.Fatalf("a user's /console/events: %d, want 403", status)
	}
	root := newBrowser(t, e, "test")
	root.signIn("root")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/console/events", nil)
	res, err := root.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if sc.Text() == "event: ready" {
			return
		}
	}
	t.Fatal("the admin's live stream never said ready")
}

func TestConsoleUnknownPage(t *testing.T) {
	e := newEnv(t)
	if res := e.call(t, "GET", "/console/nothing-here", nil); res.Status != http.StatusNotFound || !strings.Contains(string(res.Body), "no such page") && !strings.Contains(string(res.Body), "There is no such page") {
		t.Fatalf("GET /console/nothing-here: %d", res.Status)
	}
}
