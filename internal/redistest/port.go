package redistest

import (
	"net"
	"testing"
)

// freePort returns a loopback TCP port that was free a moment ago. Another
// process could take it before redis-server binds it; start retries then.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
