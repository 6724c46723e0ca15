package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/redis"
)

// storeCommands are the operator commands that act on a store, with an
// argument each.
var storeCommands = [][]string{
	{"cancel-user", "alice"}, {"cancel-token", "not-a-token"}, {"cancel-session", "no-session"},
	{"sessions", "alice"}, {"disable-user", "alice"}, {"enable-user", "alice"}, {"delete-user", "alice"},
	{"status"}, {"keys", "list"}, {"keys", "rotate"},
}

// TestOperatorCommandsNeverCreateAStore runs every operator command with
// no server and no store at the data directory (missing, or empty): each
// fails with an error naming the directory and leaves nothing behind.
func TestOperatorCommandsNeverCreateAStore(t *testing.T) {
	for _, cmd := range storeCommands {
		for _, dirState := range []string{"Missing", "Empty"} {
			t.Run(strings.Join(cmd, "_")+"/"+dirState, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "data")
				if dirState == "Empty" {
					if err := os.Mkdir(dir, 0o700); err != nil {
						t.Fatal(err)
					}
				}
				abs, _ := filepath.Abs(dir)
				errs := cli(t, 1, append(cmd, "--data-dir", dir)...)
				if !bytes.Contains(errs, []byte("no store in "+abs)) {
					t.Fatalf("the error does not name the directory %s: %s", abs, errs)
				}
				entries, err := os.ReadDir(dir)
				if (dirState == "Missing" && !os.IsNotExist(err)) || len(entries) != 0 {
					t.Fatalf("the command left %v behind in %s (err %v)", entries, dir, err)
				}
			})
		}
	}
}

// TestOperatorCommandsFindTheSharedStore runs cancel-user with no server
// on its data directory but a shared store named by flag, environment or
// config file: it acts on Redis, and the server on that Redis refuses the
// user's tokens. On a Redis where no server ever started it fails and
// writes nothing.
func TestOperatorCommandsFindTheSharedStore(t *testing.T) {
	rs := redistest.Start(t, redistest.WithAOF())
	s := startShared(t, rs.URL())
	elsewhere := t.TempDir() // no server, no store: only the shared store can be meant
	conf := filepath.Join(t.TempDir(), "tm.conf")
	writeFile(t, conf, "store = "+rs.URL()+"\n")
	tests := []struct {
		name string
		args func(user string) []string
		env  string
	}{
		{"Flag", func(u string) []string {
			return []string{"cancel-user", u, "--data-dir", elsewhere, "--store", rs.URL()}
		}, ""},
		{"Environment", func(u string) []string { return []string{"cancel-user", "--data-dir", elsewhere, u} }, rs.URL()},
		{"ConfigFile", func(u string) []string { return []string{"cancel-user", u, "--config", conf, "--data-dir", elsewhere} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("TOKENMANAGER_STORE", tt.env)
			}
			user := "shared-" + strings.ToLower(tt.name)
			tk := s.user(user)
			cli(t, 0, tt.args(user)...)
			s.waitStatus("/account", tk.AccessToken, 401, 2*time.Second)
			if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
				t.Fatalf("the command wrote %v into the data directory", entries)
			}
		})
	}
	t.Run("NeverStartedRedis", func(t *testing.T) {
		empty := strings.TrimSuffix(rs.URL(), "/0") + "/7"
		errs := cli(t, 1, "cancel-user", "alice", "--data-dir", elsewhere, "--store", empty)
		if !bytes.Contains(errs, []byte("holds no TokenManager data")) {
			t.Fatalf("error %s", errs)
		}
		st, err := redis.Open(t.Context(), empty)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.KeySet(t.Context()); tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
			t.Fatalf("the command created a key set on an empty Redis (KeySet err %v)", err)
		}
	})
}

// TestKeysListAsksTheServer: with a server on the data directory, `keys
// list` asks it over the admin socket, on the embedded store (which the
// server holds locked) and on Redis (the data directory holds no store:
// only the server knows where the keys are).
func TestKeysListAsksTheServer(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *testServer
	}{
		{"Embedded", func(t *testing.T) *testServer { return startServer(t, t.TempDir()) }},
		{"Redis", func(t *testing.T) *testServer { return startShared(t, redistest.Start(t).URL()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start(t)
			kids := s.jwksKids()
			for _, args := range [][]string{{"keys", "list", "--data-dir", s.Dir}, {"keys", "list", "--data-dir=" + s.Dir}} {
				out := cli(t, 0, args...)
				if len(kids) == 0 || !bytes.Contains(out, []byte(kids[0])) {
					t.Fatalf("%v: %s does not list the server's key %v", args, out, kids)
				}
			}
		})
	}
}
