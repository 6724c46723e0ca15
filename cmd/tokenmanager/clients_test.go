package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// newClient decodes the output of `clients add`.
func newClient(t *testing.T, out []byte) (id, secret string) {
	t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ClientID == "" || len(c.ClientSecret) < 43 {
		t.Fatalf("clients add printed %q (%v), want {client_id, client_secret}", out, err)
	}
	return c.ClientID, c.ClientSecret
}

// TestClientsCommand adds a client through the running server's admin
// socket (flags after the name, then before it), uses it on
// /oauth/introspect, lists and removes it; then does the same with the
// server stopped, on the store directly.
func TestClientsCommand(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	id, secret := newClient(t, cli(t, 0, "clients", "add", "gw", "--scope", "introspect", "--data-dir", dir))
	_, other := newClient(t, cli(t, 0, "clients", "add", "--data-dir", dir, "--scope=events", "feed"))
	alice := s.user("alice")
	introspect := func(id, secret string) *response {
		return s.do("POST", "/oauth/introspect", "", url.Values{"token": {alice.AccessToken}, "client_id": {id}, "client_secret": {secret}})
	}
	if r := introspect(id, secret); r.Status != 200 || r.JSON(t)["active"] != true {
		t.Fatalf("introspect with the new client: %d %s", r.Status, r.Body)
	}
	if r := introspect("feed", other); r.Status != 403 {
		t.Fatalf("introspect by a client without the scope: %d %s", r.Status, r.Body)
	}
	list := string(cli(t, 0, "clients", "list", "--data-dir", dir))
	if !strings.Contains(list, `"gw"`) || !strings.Contains(list, `"feed"`) || strings.Contains(list, secret) {
		t.Fatalf("clients list = %s", list)
	}
	cli(t, 0, "clients", "remove", "gw", "--data-dir", dir)
	if r := introspect(id, secret); r.Status != 401 {
		t.Fatalf("introspect with a removed client: %d %s", r.Status, r.Body)
	}
	s.Main.Close()
	_, offline := newClient(t, cli(t, 0, "clients", "add", "--data-dir", dir, "rs"))
	list = string(cli(t, 0, "clients", "list", "--data-dir", dir))
	if !strings.Contains(list, `"rs"`) || strings.Contains(list, `"gw"`) || !strings.Contains(list, "revoke") {
		t.Fatalf("offline clients list = %s", list)
	}
	s = startServer(t, dir)
	if r := introspect("rs", offline); r.Status != 200 {
		t.Fatalf("introspect with a client added offline: %d %s", r.Status, r.Body)
	}
}

func TestClientsCommandRefuses(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)
	for name, args := range map[string][]string{
		"UnknownScope":   {"clients", "add", "gw", "--scope", "admin", "--data-dir", dir},
		"BadName":        {"clients", "add", "g w", "--data-dir", dir},
		"NoName":         {"clients", "add", "--data-dir", dir},
		"ScopeOnList":    {"clients", "list", "--scope", "events", "--data-dir", dir},
		"RemoveUnknown":  {"clients", "remove", "nobody", "--data-dir", dir},
		"UnknownSubcmd":  {"clients", "rotate", "--data-dir", dir},
		"ScopeNoValue":   {"clients", "add", "gw", "--data-dir", dir, "--scope"},
		"TwoNamesForAdd": {"clients", "add", "a", "b", "--data-dir", dir},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(context.Background(), args, &out, &errs); code == 0 {
				t.Fatalf("tokenmanager %v succeeded: %s", args, out.String())
			}
		})
	}
}

// TestHelpPrintsUsageOnce runs the binary: `serve --help` names its usage
// line once, on both streams together.
func TestHelpPrintsUsageOnce(t *testing.T) {
	out, err := exec.Command(binary(t), "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("serve --help: %v\n%s", err, out)
	}
	if n := strings.Count(strings.ToLower(string(out)), "usage"); n != 1 || !strings.Contains(string(out), "-data-dir") {
		t.Fatalf("serve --help printed the usage line %d times (want 1) or no flags:\n%s", n, out)
	}
}

func TestVersionFrom(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
		for i := 0; i+1 < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	for name, tc := range map[string]struct {
		ldflags string
		info    *debug.BuildInfo
		want    string
	}{
		"Ldflags":       {"v9", vcs(), "v9"},
		"ModuleVersion": {"", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		"Revision":      {"", vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "false"), "devel+0123456789ab"},
		"Dirty":         {"", vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "devel+0123456789ab.dirty"},
		"NoVCS":         {"", vcs(), "devel"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := versionFrom(tc.ldflags, tc.info, true); got != tc.want {
				t.Fatalf("versionFrom = %q, want %q", got, tc.want)
			}
		})
	}
	if out := string(cli(t, 0, "--version")); !strings.HasPrefix(out, "tokenmanager ") || strings.Contains(out, " dev\n") {
		t.Fatalf("--version = %q", out)
	}
}

// TestClientsOnRedis keeps service clients in a shared Redis: a client
// added on the store directly (no server on this data directory) works
// on two instances, and one removed through instance A's admin socket is
// refused by instance B at once.
func TestClientsOnRedis(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	alice := a.user("alice")
	_, secret := newClient(t, cli(t, 0, "clients", "add", "gw", "--store", rs.URL(), "--data-dir", t.TempDir()))
	introspect := func(s *testServer) *response {
		return s.do("POST", "/oauth/introspect", "", url.Values{"token": {alice.AccessToken}, "client_id": {"gw"}, "client_secret": {secret}})
	}
	for name, s := range map[string]*testServer{"A": a, "B": b} {
		if r := introspect(s); r.Status != 200 || r.JSON(t)["active"] != true {
			t.Fatalf("introspect on %s with a client added on the store: %d %s", name, r.Status, r.Body)
		}
	}
	if list := string(cli(t, 0, "clients", "list", "--data-dir", b.Dir)); !strings.Contains(list, `"gw"`) {
		t.Fatalf("clients list through B = %s", list)
	}
	cli(t, 0, "clients", "remove", "gw", "--data-dir", a.Dir)
	if r := introspect(b); r.Status != 401 {
		t.Fatalf("introspect on B with a client removed through A: %d %s", r.Status, r.Body)
	}
}

// TestClientsHelp: `clients --help` (with or without a subcommand) exits 0
// and names the --scope flag, which only clients add has.
func TestClientsHelp(t *testing.T) {
	for _, args := range [][]string{{"clients", "--help"}, {"clients", "add", "--help"}} {
		if out := string(cli(t, 0, args...)); !strings.Contains(out, "-scope") {
			t.Errorf("tokenmanager %v printed %q, want the -scope flag", args, out)
		}
	}
}
