package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestAccountLifecycle runs the lifecycle routes through the real server:
// on the embedded store (one instance), and on Redis with every change
// made on instance A and checked on instance B.
func TestAccountLifecycle(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) (a, b *testServer)
	}{
		{"Embedded", func(t *testing.T) (*testServer, *testServer) {
			s := startServer(t, t.TempDir())
			return s, s
		}},
		{"Redis", func(t *testing.T) (*testServer, *testServer) {
			rs := redistest.Start(t, redistest.WithAOF())
			return startShared(t, rs.URL()), startShared(t, rs.URL())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.start(t)
			root := a.user("root")
			t.Run("ChangePassword", func(t *testing.T) { checkChangePassword(t, a, b) })
			t.Run("DisableEnable", func(t *testing.T) { checkDisableEnable(t, a, b, root) })
			t.Run("DeleteOwn", func(t *testing.T) { checkDeleteOwn(t, a, b) })
			t.Run("AdminDelete", func(t *testing.T) { checkAdminDelete(t, a, b, root) })
			t.Run("OperatorCommands", func(t *testing.T) { checkLifecycleCommands(t, a, b) })
			t.Run("PasswordGuessing", func(t *testing.T) { checkPasswordGuessing(t, a) })
		})
	}
}

// gone waits until b refuses tk's access and refresh tokens (at once when
// b is the instance that took the call), and checks a refuses them.
func gone(t *testing.T, a, b *testServer, tk tokens, what string) {
	t.Helper()
	expect(t, a.do("GET", "/account", tk.AccessToken, nil), 401, what+": access token on the instance that took it")
	b.waitStatus("/account", tk.AccessToken, 401, 2*time.Second)
	r := b.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
	expect(t, r, 401, what+": refresh token on the other instance")
}

func checkChangePassword(t *testing.T, a, b *testServer) {
	self, other := a.user("pat"), b.user("pat")
	path := "/account/password"
	cases := []struct {
		name          string
		current, next string
		status        int
		code          string
	}{
		{"WrongCurrent", "wrong password", "a new password", 403, "access_denied"},
		{"WeakNew", "password-pat", "short", 400, "invalid_request"},
	}
	for _, c := range cases {
		r := a.do("POST", path, self.AccessToken, map[string]string{"current_password": c.current, "new_password": c.next})
		expect(t, r, c.status, c.name)
		if got := r.JSON(t)["error"]; got != c.code {
			t.Fatalf("%s: error %v, want %s", c.name, got, c.code)
		}
	}
	expect(t, b.do("GET", "/account", other.AccessToken, nil), 200, "other session after refused changes")
	r := a.do("POST", path, self.AccessToken, map[string]string{"current_password": "password-pat", "new_password": "a new password"})
	expect(t, r, 204, "change password")
	gone(t, a, b, other, "other session after a password change")
	expect(t, b.do("GET", "/account", self.AccessToken, nil), 200, "this session stays")
	expect(t, b.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": self.RefreshToken}), 200, "this session refreshes")
	expect(t, b.do("POST", "/sign-in", "", map[string]string{"username": "pat", "password": "password-pat"}), 401, "old password")
	b.signIn("pat", "a new password")
}

func checkDisableEnable(t *testing.T, a, b *testServer, root tokens) {
	d1, d2 := a.user("dana"), b.user("dana")
	expect(t, a.do("POST", "/admin/users/dana/disable", d1.AccessToken, nil), 403, "disable by a non-admin")
	expect(t, a.do("POST", "/admin/users/nobody/disable", root.AccessToken, nil), 404, "disable an unknown user")
	expect(t, a.do("POST", "/admin/users/Dana/disable", root.AccessToken, nil), 204, "disable")
	gone(t, a, b, d1, "disabled user's first session")
	gone(t, a, b, d2, "disabled user's second session")
	for _, s := range []*testServer{a, b} {
		r := s.do("POST", "/sign-in", "", map[string]string{"username": "dana", "password": "password-dana"})
		expect(t, r, 403, "sign-in while disabled")
		if got := r.JSON(t)["error"]; got != "access_denied" {
			t.Fatalf("sign-in while disabled: error %v, want access_denied", got)
		}
		expect(t, s.do("POST", "/sign-in", "", map[string]string{"username": "dana", "password": "wrong password"}), 401,
			"wrong password while disabled (the state is told only to who knows the password)")
	}
	expect(t, a.do("POST", "/admin/users/dana/enable", root.AccessToken, nil), 204, "enable")
	again := b.signIn("dana", "password-dana")
	expect(t, a.do("GET", "/account", again.AccessToken, nil), 200, "new sign-in after enable")
	expect(t, a.do("GET", "/account", d1.AccessToken, nil), 401, "tokens cancelled by disable stay cancelled")
}

func checkDeleteOwn(t *testing.T, a, b *testServer) {
	e1, e2 := a.user("eve"), b.user("eve")
	expect(t, a.do("DELETE", "/account", e1.AccessToken, map[string]string{"password": "wrong password"}), 403, "delete with a wrong password")
	expect(t, a.do("DELETE", "/account", e1.AccessToken, map[string]string{"password": "password-eve"}), 204, "delete")
	gone(t, a, b, e1, "deleted account's session")
	gone(t, a, b, e2, "deleted account's other session")
	expect(t, b.do("POST", "/sign-in", "", map[string]string{"username": "eve", "password": "password-eve"}), 401, "sign-in after deletion")
	b.signUp("eve", "another password") // the name may be taken again
	fresh := a.signIn("eve", "another password")
	for _, s := range []*testServer{a, b} {
		expect(t, s.do("GET", "/account", e1.AccessToken, nil), 401, "old account's access token for the new account")
		expect(t, s.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": e2.RefreshToken}), 401, "old account's refresh token for the new account")
		expect(t, s.do("GET", "/account", fresh.AccessToken, nil), 200, "new account's token")
	}
}

func checkAdminDelete(t *testing.T, a, b *testServer, root tokens) {
	f := b.user("fay")
	expect(t, a.do("DELETE", "/admin/users/fay", f.AccessToken, nil), 403, "delete by a non-admin")
	expect(t, a.do("DELETE", "/admin/users/nobody", root.AccessToken, nil), 404, "delete an unknown user")
	expect(t, a.do("DELETE", "/admin/users/fay", root.AccessToken, nil), 204, "admin delete")
	gone(t, a, b, f, "admin-deleted account's session")
	b.signUp("fay", "password-fay")
	expect(t, a.do("GET", "/account", f.AccessToken, nil), 401, "old account's token for the new account")
}

// checkLifecycleCommands drives disable-user, enable-user and delete-user
// through A's admin socket.
func checkLifecycleCommands(t *testing.T, a, b *testServer) {
	g := b.user("gus")
	cli(t, 0, "disable-user", "gus", "--data-dir", a.Dir)
	gone(t, a, b, g, "user disabled by the CLI")
	expect(t, b.do("POST", "/sign-in", "", map[string]string{"username": "gus", "password": "password-gus"}), 403, "sign-in after disable-user")
	cli(t, 0, "enable-user", "--data-dir", a.Dir, "gus")
	g = b.signIn("gus", "password-gus")
	cli(t, 0, "delete-user", "gus", "--data-dir", a.Dir)
	gone(t, a, b, g, "user deleted by the CLI")
	if out := cli(t, 1, "enable-user", "--data-dir", a.Dir, "gus"); !bytes.Contains(out, []byte("404")) {
		t.Fatalf("enable-user of a deleted user: %s", out)
	}
}

// cli runs a command in this process and checks its exit code; it returns
// standard output, or standard error when the command failed.
func cli(t *testing.T, want int, args ...string) []byte {
	t.Helper()
	var out, errs bytes.Buffer
	if code := run(context.Background(), args, &out, &errs); code != want {
		t.Fatalf("tokenmanager %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out.String(), errs.String())
	}
	if want != 0 {
		return errs.Bytes()
	}
	return out.Bytes()
}

// checkPasswordGuessing: a stolen access token is no way around the
// sign-in limit (10 per 15 minutes here): the password checks of the
// lifecycle routes count with the failed sign-ins.
func checkPasswordGuessing(t *testing.T, a *testServer) {
	tk := a.user("hal")
	guess := func(i int) *response {
		if i%2 == 0 {
			return a.do("DELETE", "/account", tk.AccessToken, map[string]string{"password": "guess"})
		}
		return a.do("POST", "/account/password", tk.AccessToken, map[string]string{"current_password": "guess", "new_password": "a new password"})
	}
	for i := range 10 {
		expect(t, guess(i), 403, "wrong password within the limit")
	}
	expect(t, guess(10), 429, "wrong password past the limit")
	r := a.do("POST", "/sign-in", "", map[string]string{"username": "hal", "password": "password-hal"})
	expect(t, r, 429, "sign-in from the same address once the guesses used the limit")
	expect(t, a.do("GET", "/account", tk.AccessToken, nil), 200, "the token itself still works")
}
