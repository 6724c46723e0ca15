package redis

import (
	"fmt"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/storetest"
)

// TestCluster runs the behaviour suite and the feed against a real
// three-master Redis Cluster, through the redis+cluster:// form: every
// multi-key command must stay within one slot, and the session record and
// its subject's index, on different nodes, must still agree.
func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	t.Run("Store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) tm.Store {
			flushAll(t, c.Nodes...)
			return openFresh(t, c.URL())
		})
	})
	t.Run("Feed", func(t *testing.T) { testFeedOn(t, c.URL()) })
}

// TestSentinel runs the behaviour suite and the feed against a primary, a
// replica and a Sentinel, through the redis+sentinel:// form: the client
// learns the primary from the Sentinel.
func TestSentinel(t *testing.T) {
	g := redistest.StartSentinel(t)
	t.Run("Store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) tm.Store {
			flushAll(t, g.Primary)
			return openFresh(t, g.URL())
		})
	})
	t.Run("Feed", func(t *testing.T) { testFeedOn(t, g.URL()) })
}

// openFresh opens a store that the suite closes itself.
func openFresh(t *testing.T, url string) tm.Store {
	t.Helper()
	s, err := Open(t.Context(), url, WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testFeedOn cancels through one store and sees a second store's replica
// refuse each token, and strict checks agree.
func testFeedOn(t *testing.T, url string) {
	a := mustOpen(t, url)
	r := startReplica(t, mustOpen(t, url))
	waitReady(t, r)
	for i := range 20 {
		c := tokenOf(fmt.Sprintf("user-%d", i), fmt.Sprintf("jti-%d", i))
		if err := a.Cancel(t.Context(), tokenCancel(c)); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		r.waitRefused(t, c, 2*time.Second)
		if ok, err := a.IsCancelled(t.Context(), c); err != nil || !ok {
			t.Fatalf("IsCancelled = %v, %v", ok, err)
		}
	}
}

// TestSentinelFailover kills the primary: Sentinel promotes the replica,
// the store's writes go to the new primary, and a replica of the
// cancelled set reconnects its feed there and follows it again.
func TestSentinelFailover(t *testing.T) {
	g := redistest.StartSentinel(t)
	s := mustOpen(t, g.URL())
	r := startReplica(t, mustOpen(t, g.URL()))
	waitReady(t, r)
	g.Primary.Kill()
	c := tokenOf("alice", "after-failover")
	waitFor(t, 20*time.Second, "no write succeeded after the failover", func() bool {
		return s.Cancel(t.Context(), tokenCancel(c)) == nil
	})
	r.waitRefused(t, c, 5*time.Second)
	if v := g.Replica.MustDo("ROLE"); v.([]any)[0] != "master" {
		t.Fatalf("ROLE of the former replica = %v, want master", v)
	}
}
