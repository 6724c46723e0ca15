package redis

import (
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// staleness is the replicas' MaxStaleness in the outage tests.
const staleness = time.Second

// staleMargin is how late past MaxStaleness after the fault began a
// replica may still answer: the fresh flag's timer and the test's polling
// on a loaded machine. Counting from the moment the loss was noticed
// (the old behaviour) answered until about 2.25s with MaxStaleness 1s.
const staleMargin = 250 * time.Millisecond

// TestStaleness freezes (SIGSTOP) or kills Redis under a replica: it goes
// not-live within the feed's detection time, stays usable until
// MaxStaleness after its last confirmation (before the fault), never
// later, then fails closed, or stays usable under the open policy; and it
// comes back when Redis does.
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
			checkOutage(t, r, tc.policy, cutAt)
			if r.IsLive() {
				t.Fatal("the replica did not notice that Redis is gone")
			}
			tc.heal(srv)
			waitFor(t, 10*time.Second, "the replica did not come back with Redis", func() bool {
				return r.Ready() && r.Usable() == nil
			})
		})
	}
}

// checkOutage polls Usable from the fault's start (cutAt) for
// MaxStaleness and a second: under the closed policy the last call that
// passed must have started at most MaxStaleness + staleMargin after
// cutAt, and the replica must refuse at the end; under the open policy
// every call passes.
func checkOutage(t *testing.T, r *runningReplica, policy tm.OutagePolicy, cutAt time.Time) {
	t.Helper()
	var lastOK time.Time
	var err error
	for end := cutAt.Add(staleness + time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		at := time.Now()
		if err = r.Usable(); err == nil {
			lastOK = at
		} else if policy == tm.OutageOpen {
			t.Fatalf("Usable under the open policy %v into the outage = %v, want nil", at.Sub(cutAt), err)
		}
	}
	t.Logf("last usable %v after the fault began (MaxStaleness %v)", lastOK.Sub(cutAt), staleness)
	if policy == tm.OutageOpen {
		return
	}
	if late := lastOK.Sub(cutAt); late > staleness+staleMargin {
		t.Errorf("usable %v after the fault began, want at most MaxStaleness %v + %v", late, staleness, staleMargin)
	}
	if tm.ErrorCode(err) != tm.EUnavailable {
		t.Errorf("Usable %v after the fault began = %v, want EUnavailable", staleness+time.Second, err)
	}
}
