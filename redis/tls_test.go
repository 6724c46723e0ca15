package redis

import (
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestTLS talks to a TLS-only Redis through a rediss:// URL: with the
// test CA given by WithTLSConfig the store and its feed work; without it
// the server's certificate is refused, so verification is on.
func TestTLS(t *testing.T) {
	srv := redistest.Start(t, redistest.WithTLS(), redistest.WithPassword("pw"))
	untrusting := mustOpen(t, srv.URL())
	if err := untrusting.Ping(t.Context()); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("Ping without the CA = %v, want %s", err, tm.EUnavailable)
	}
	s := mustOpen(t, srv.URL(), WithTLSConfig(srv.TLSConfig()))
	r := startReplica(t, mustOpen(t, srv.URL(), WithTLSConfig(srv.TLSConfig())))
	waitReady(t, r)
	c := tokenOf("alice", "over-tls")
	if err := s.Cancel(t.Context(), tokenCancel(c)); err != nil {
		t.Fatalf("Cancel over TLS: %v", err)
	}
	r.waitRefused(t, c, 2*time.Second)
}
