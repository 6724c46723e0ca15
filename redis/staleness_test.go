package redis

import (
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// staleness is the replicas' MaxStaleness in the outage tests.
const staleness = time.Second

// TestStaleness freezes (SIGSTOP) or kills Redis under a replica: it goes
// not-live within the feed's detection time, stays usable for MaxStaleness,
// then fails closed, or stays usable under the open policy; and it comes
// back when Redis does.
func TestStaleness(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy tm.OutagePolicy
		cut    func(*redistest.Server)
		heal   func(*redistest.Server)
	}{
		{"PausedClosed", tm.OutageClosed, (*redistest.Server).Pause, (*redistest.Server).Resume},
		{"KilledClosed", tm.OutageClosed, (*redistest.Server).Kill, (*redistest.Server).Restart},
		{"PausedOpen", tm.OutageOpen, (*redistest.Server).Pause, (*redistest.Server).Resume},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, redistest.WithAOF())
			r := startReplica(t, mustOpen(t, srv.URL()), func(r *tm.Replica) {
				r.MaxStaleness, r.OnOutage = staleness, tc.policy
			})
			waitReady(t, r)
			if err := r.Usable(); err != nil {
				t.Fatalf("Usable while live = %v", err)
			}
			cutAt := time.Now()
			tc.cut(srv)
			waitFor(t, 5*time.Second, "the replica did not notice that Redis is gone", func() bool { return !r.IsLive() })
			t.Logf("%s: cut off noticed after %v", tc.name, time.Since(cutAt))
			checkOutage(t, r, tc.policy)
			tc.heal(srv)
			waitFor(t, 10*time.Second, "the replica did not come back with Redis", func() bool {
				return r.Ready() && r.Usable() == nil
			})
		})
	}
}

// checkOutage checks Usable during an outage that began just now.
func checkOutage(t *testing.T, r *runningReplica, policy tm.OutagePolicy) {
	t.Helper()
	if err := r.Usable(); err != nil && r.Staleness() < staleness {
		t.Fatalf("Usable within MaxStaleness = %v, want nil", err)
	}
	if policy == tm.OutageOpen {
		time.Sleep(staleness + 300*time.Millisecond)
		if err := r.Usable(); err != nil {
			t.Fatalf("Usable after MaxStaleness under the open policy = %v, want nil", err)
		}
		return
	}
	waitFor(t, staleness+time.Second, "the replica is still usable after MaxStaleness", func() bool {
		return tm.ErrorCode(r.Usable()) == tm.EUnavailable
	})
}
