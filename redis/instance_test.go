package redis

import (
	"testing"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

// newInstance is what the server builds at start, on its own store client:
// the shared key set (the first instance's), a codec, a replica following
// the feed, and a Manager.
func newInstance(t *testing.T, url string) *tm.Manager {
	t.Helper()
	s := mustOpen(t, url)
	fresh, err := jose.NewKeySet("EdDSA")
	if err != nil {
		t.Fatalf("NewKeySet: %v", err)
	}
	ks, err := s.InitKeySet(t.Context(), fresh)
	if err != nil {
		t.Fatalf("InitKeySet: %v", err)
	}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: "https://issuer.test"})
	if err != nil {
		t.Fatalf("NewCodec: %v", err)
	}
	r := startReplica(t, s)
	waitReady(t, r)
	return tm.NewManager(tm.Config{Issuer: "https://issuer.test"}, codec, s, r.Replica, ks.RefreshKey, quiet)
}
