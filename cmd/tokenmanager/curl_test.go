package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCurlWalkThrough runs the README's walk-through with the real curl
// against the real server: curl -d sends a JSON body with curl's default
// form type, which a JSON route takes from a client that is not a
// browser. The same body as text/plain, or with another site's Origin,
// is refused.
func TestCurlWalkThrough(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	s := startServer(t, t.TempDir())
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-s", "-o", "/dev/null", "-w", "%{http_code}"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	creds := `{"username":"alice","password":"correct horse"}`
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"SignUp", []string{"-XPOST", s.URL + "/sign-up", "-d", creds}, "201"},
		{"SignIn", []string{"-XPOST", s.URL + "/sign-in", "-d", creds}, "200"},
		{"TextPlain", []string{"-XPOST", s.URL + "/sign-in", "-H", "Content-Type: text/plain", "-d", creds}, "415"},
		{"OtherSite", []string{"-XPOST", s.URL + "/sign-in", "-H", "Origin: https://evil.example", "-d", creds}, "403"},
		{"FormTypeFromABrowser", []string{"-XPOST", s.URL + "/sign-in", "-H", "Sec-Fetch-Site: same-origin", "-d", creds}, "415"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args...); got != tc.want {
				t.Fatalf("status %s, want %s", got, tc.want)
			}
		})
	}
}
