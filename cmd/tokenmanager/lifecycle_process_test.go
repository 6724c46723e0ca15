package main

import "testing"

// TestKill9KeepsLifecycle kills the server with SIGKILL right after the
// 204 of a disable and of a deletion: after the restart the disabled user
// is still refused and their tokens still cancelled, and the deleted
// account's tokens do not work for a new account of the same name.
func TestKill9KeepsLifecycle(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, dir)
	root, dis, del := p.user("root"), p.user("dis"), p.user("del")
	expect(t, p.do("POST", "/admin/users/dis/disable", root.AccessToken, nil), 204, "disable")
	p.kill9()
	p = startProcess(t, dir)
	expect(t, p.do("GET", "/account", dis.AccessToken, nil), 401, "disabled user's token after kill -9")
	expect(t, p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": dis.RefreshToken}), 401, "disabled user's refresh token after kill -9")
	expect(t, p.do("POST", "/sign-in", "", map[string]string{"username": "dis", "password": "password-dis"}), 403, "disabled user's sign-in after kill -9")

	expect(t, p.do("DELETE", "/account", del.AccessToken, map[string]string{"password": "password-del"}), 204, "delete")
	p.kill9()
	p = startProcess(t, dir)
	expect(t, p.do("POST", "/sign-in", "", map[string]string{"username": "del", "password": "password-del"}), 401, "deleted account's sign-in after kill -9")
	p.signUp("del", "password-new")
	expect(t, p.do("GET", "/account", del.AccessToken, nil), 401, "deleted account's token for the new account after kill -9")
	expect(t, p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": del.RefreshToken}), 401, "deleted account's refresh token after kill -9")
}
