package main

import (
	"slices"
	"testing"
)

// TestFlagsBeforeOrAfterArgs: every command takes its flags before, between
// or after its arguments.
func TestFlagsBeforeOrAfterArgs(t *testing.T) {
	cases := []struct {
		name string
		args []string
		dir  string
		pos  []string
	}{
		{"FlagsFirst", []string{"--data-dir", "d", "alice"}, "d", []string{"alice"}},
		{"FlagsLast", []string{"alice", "--data-dir", "d"}, "d", []string{"alice"}},
		{"Between", []string{"add", "--data-dir=d", "gw"}, "d", []string{"add", "gw"}},
		{"DashDash", []string{"--data-dir", "d", "--", "-odd-name"}, "d", []string{"-odd-name"}},
		{"AfterDashDash", []string{"x", "--", "--data-dir", "e"}, "./data", []string{"x", "--data-dir", "e"}},
		{"NoArgs", []string{"--data-dir", "d"}, "d", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, fs, err := parseConfig("test", tc.args, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tc.dir || !slices.Equal(fs.Args(), tc.pos) {
				t.Fatalf("data dir %q, args %q; want %q, %q", c.DataDir, fs.Args(), tc.dir, tc.pos)
			}
		})
	}
}
