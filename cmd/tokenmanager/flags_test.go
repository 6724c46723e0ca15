package main

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
)

// TestParseInterleaved: flags are taken before, between and after the
// arguments; "--" ends them.
func TestParseInterleaved(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		dataDir string
		pos     []string
	}{
		{"FlagsFirst", []string{"--data-dir", "d", "alice"}, "d", []string{"alice"}},
		{"FlagsLast", []string{"alice", "--data-dir", "d"}, "d", []string{"alice"}},
		{"FlagsBetween", []string{"a", "--data-dir=d", "b"}, "d", []string{"a", "b"}},
		{"BoolFlagAfter", []string{"alice", "--trust-proxy", "--data-dir", "d"}, "d", []string{"alice"}},
		{"DashArgAfterTerminator", []string{"--data-dir", "d", "--", "-kid", "--x"}, "d", []string{"-kid", "--x"}},
		{"TerminatorAfterArg", []string{"alice", "--", "--data-dir", "d"}, "./data", []string{"alice", "--data-dir", "d"}},
		{"NoArgs", []string{"--data-dir", "d"}, "d", nil},
		{"LoneDash", []string{"-", "--data-dir", "d"}, "d", []string{"-"}},
		{"IDStartingWithADash", []string{"-Zk3_qW9x-A1b2C3d4E5f6", "--data-dir", "d"}, "d", []string{"-Zk3_qW9x-A1b2C3d4E5f6"}},
		{"IDStartingWithTwoDashes", []string{"--data-dir", "d", "--7Qx_Ab"}, "d", []string{"--7Qx_Ab"}},
		{"FlagValueStartingWithADash", []string{"--admins", "-odd", "alice"}, "./data", []string{"alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs, err := parseConfig("test", tt.args, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tt.dataDir || !slices.Equal(fs.Args(), tt.pos) {
				t.Fatalf("data dir %q, args %q; want %q, %q", c.DataDir, fs.Args(), tt.dataDir, tt.pos)
			}
		})
	}
	t.Run("MisspeltFlag", func(t *testing.T) {
		if _, _, err := parseConfig("test", []string{"alice", "--data-dri", "d"}, func(string) string { return "" }); err == nil {
			t.Fatal("a misspelt flag was taken as an argument")
		}
	})
	t.Run("SameConfigEitherWay", func(t *testing.T) {
		before, _, err1 := parseConfig("x", []string{"--data-dir", "d", "--store", "redis://h", "--admins", "a", "alice"}, func(string) string { return "" })
		after, _, err2 := parseConfig("x", []string{"alice", "--data-dir", "d", "--store", "redis://h", "--admins", "a"}, func(string) string { return "" })
		if err1 != nil || err2 != nil || !reflect.DeepEqual(before, after) {
			t.Fatalf("flags before: %+v (%v)\nflags after: %+v (%v)", before, err1, after, err2)
		}
	})
	t.Run("UnknownFlagAfterArg", func(t *testing.T) {
		if _, _, err := parseConfig("x", []string{"alice", "--no-such-flag"}, func(string) string { return "" }); err == nil {
			t.Fatal("an unknown flag after the argument was accepted")
		}
	})
}

// TestFlagsBeforeOrAfterArguments runs every operator command with its
// flags before and after its arguments (for keys, its subcommand), against a running server and on
// the store with the server stopped: the two forms do the same.
func TestFlagsBeforeOrAfterArguments(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	for _, running := range []bool{true, false} {
		name := "Offline"
		if running {
			name = "Server"
		}
		t.Run(name, func(t *testing.T) {
			a, b := s.user("ana"), s.user("ana")
			both := func(want int, args ...string) [2][]byte {
				t.Helper()
				cmd, arg := args[0], args[1:]
				return [2][]byte{
					cli(t, want, slices.Concat([]string{cmd}, arg, []string{"--data-dir", dir, "--log-level", "error"})...),
					cli(t, want, slices.Concat([]string{cmd, "--data-dir", dir, "--log-level", "error"}, arg)...),
				}
			}
			if !running {
				s.Main.Close()
			}
			if out := both(0, "sessions", "ana"); !bytes.Equal(out[0], out[1]) || !bytes.Contains(out[0], []byte(a.SessionID)) {
				t.Fatalf("sessions: flags after:\n%s\nflags before:\n%s", out[0], out[1])
			}
			both(0, "cancel-session", a.SessionID)
			both(0, "cancel-token", b.AccessToken)
			both(0, "disable-user", "ana")
			both(0, "enable-user", "ana")
			both(0, "cancel-user", "ana")
			both(0, "status")
			if out := both(0, "keys", "list"); !bytes.Equal(out[0], out[1]) {
				t.Fatalf("keys list: flags after:\n%s\nflags before:\n%s", out[0], out[1])
			}
			for _, errs := range both(1, "keys", "revoke", "no-such-kid") {
				if !bytes.Contains(errs, []byte("no key")) || !bytes.Contains(errs, []byte("no-such-kid")) {
					t.Fatalf("keys revoke: the kid was not taken: %s", errs)
				}
			}
			both(1, "delete-user", "nobody")
			if running {
				for _, tk := range []tokens{a, b} {
					expect(t, s.do("GET", "/account", tk.AccessToken, nil), 401, "token cancelled by the commands")
				}
			}
		})
	}
}

// TestTakeSubcommand: the subcommand is found wherever it is, flag values
// are not taken for it.
func TestTakeSubcommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		sub  string
		rest []string
	}{
		{"First", []string{"list", "--data-dir", "d"}, "list", []string{"--data-dir", "d"}},
		{"AfterFlag", []string{"--data-dir", "d", "list"}, "list", []string{"--data-dir", "d"}},
		{"FlagValueNamedLikeIt", []string{"--issuer", "list", "rotate"}, "rotate", []string{"--issuer", "list"}},
		{"AfterBoolFlag", []string{"--trust-proxy", "list"}, "list", []string{"--trust-proxy"}},
		{"AfterEqualsFlag", []string{"--data-dir=d", "revoke", "kid"}, "revoke", []string{"--data-dir=d", "kid"}},
		{"None", []string{"--data-dir", "d"}, "", []string{"--data-dir", "d"}},
		{"Help", []string{"--help"}, "", []string{"--help"}},
		{"AfterTerminator", []string{"--", "list"}, "", []string{"--", "list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest, sub := takeSubcommand(slices.Clone(tt.args))
			if sub != tt.sub || !slices.Equal(rest, tt.rest) {
				t.Fatalf("takeSubcommand(%q) = %q, %q; want %q, %q", tt.args, rest, sub, tt.rest, tt.sub)
			}
		})
	}
}
