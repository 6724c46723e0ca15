package redistest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skip into a failure; CI sets it to 1.
const RequireEnv = "TOKENMANAGER_REQUIRE_REDIS"

// Binary returns the path of redis-server, or skips the test (fails it
// when RequireEnv is 1) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	msg := "redis-server is not on PATH (install the Debian package redis-server); " +
		"skipping the tests that need a real Redis"
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s, but %s=1 requires them", msg, RequireEnv)
	}
	t.Skip(msg)
	return ""
}
