package redis

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/faultproxy"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestFeedToleratesSlowLink follows the feed over a link that adds 550ms
// ± 50ms to every round trip, more than the feed's fixed grace and probe
// timeout: it must learn the link's round trip and stay live, not take
// the slow link for a dead one and reconnect and reload again and again.
func TestFeedToleratesSlowLink(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	p := faultproxy.Start(t, srv.Addr())
	p.SetLatency(550*time.Millisecond, 50*time.Millisecond)
	r := startReplica(t, mustOpen(t, "redis://"+p.Addr()+"/0"))
	waitFor(t, 20*time.Second, "the replica did not go live over the slow link", r.IsLive)
	resyncs := r.resyncs.get()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !r.IsLive() {
			t.Fatal("the feed took a slow link for a dead one")
		}
	}
	if n := r.resyncs.get() - resyncs; n > 0 {
		t.Fatalf("%d reloads over a slow but working link", n)
	}
}
