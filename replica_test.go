package tokenmanager_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// newReplica returns a loaded replica of a bolt store, with MaxStaleness
// maxStale and the closed policy, and the store.
func newReplica(t *testing.T, maxStale time.Duration) (*tokenmanager.Replica, *bolt.Store) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := tokenmanager.NewReplica(store, nil, nil)
	r.MaxStaleness = maxStale
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, store
}

// TestReplicaStalenessFromConfirmation: once its source confirms, the
// replica answers until MaxStaleness after the last confirmation, whether
// or not the loss was noticed (Live), and no longer.
func TestReplicaStalenessFromConfirmation(t *testing.T) {
	const maxStale = time.Second
	tests := []struct {
		name    string
		age     time.Duration // of the last confirmation; -1: none
		live    bool
		policy  tokenmanager.OutagePolicy
		wantErr bool
	}{
		{"ConfirmedJustNow", 0, true, tokenmanager.OutageClosed, false},
		{"ConfirmedWithinBound", maxStale - 100*time.Millisecond, true, tokenmanager.OutageClosed, false},
		{"LiveButConfirmedTooLongAgo", maxStale + 100*time.Millisecond, true, tokenmanager.OutageClosed, true},
		{"CutOffConfirmedRecently", 100 * time.Millisecond, false, tokenmanager.OutageClosed, false},
		{"CutOffConfirmedTooLongAgo", 2 * maxStale, false, tokenmanager.OutageClosed, true},
		{"OpenPolicyAnswersAnyway", 2 * maxStale, false, tokenmanager.OutageOpen, false},
		{"NoConfirmationsLiveByHand", -1, true, tokenmanager.OutageClosed, false},
		{"ZeroStalenessLive", 0, true, tokenmanager.OutageClosed, false},
		{"ZeroStalenessCutOff", 0, false, tokenmanager.OutageClosed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newReplica(t, maxStale)
			if strings.HasPrefix(tt.name, "ZeroStaleness") {
				r.MaxStaleness = 0
			}
			r.OnOutage = tt.policy
			if tt.age >= 0 {
				r.Confirm(time.Now().Add(-tt.age))
			}
			r.Live(tt.live)
			if err := r.Usable(); (err != nil) != tt.wantErr {
				t.Fatalf("Usable = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestReplicaStopsWhenConfirmationsStop: the fast path (no clock read)
// does not outlive MaxStaleness once confirmations stop, though nobody
// tells the replica that its source is gone.
func TestReplicaStopsWhenConfirmationsStop(t *testing.T) {
	const maxStale = 200 * time.Millisecond
	r, _ := newReplica(t, maxStale)
	r.Live(true)
	start := time.Now()
	r.Confirm(start)
	var lastOK time.Time
	for time.Since(start) < 2*maxStale {
		at := time.Now()
		if r.Usable() == nil {
			lastOK = at
		}
		time.Sleep(time.Millisecond)
	}
	if late := lastOK.Sub(start); late > maxStale || late < maxStale/2 {
		t.Fatalf("usable until %v after the last confirmation, want about %v and never later", late, maxStale)
	}
	if s := r.Staleness(); s < maxStale {
		t.Fatalf("Staleness = %v, want the age of the last confirmation", s)
	}
}

// TestReloadReportsWhatWasMissed: a reload of a loaded replica reports the
// entries it added or extended (what its feed missed), and nothing else,
// so the event streams get the difference instead of being dropped.
func TestReloadReportsWhatWasMissed(t *testing.T) {
	ctx := context.Background()
	r, store := newReplica(t, time.Second)
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	known := tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: "known", ExpiresAt: exp}
	missed := tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: "missed", ExpiresAt: exp}
	for _, c := range []tokenmanager.Cancellation{known, missed} {
		if err := store.Cancel(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	r.Apply(known) // the feed delivered one of the two
	var got []string
	r.SetHooks(tokenmanager.ReplicaHooks{Missed: func(c tokenmanager.Cancellation) { got = append(got, c.ID) }})
	if err := r.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "missed" {
		t.Fatalf("Missed reported %q, want [missed]", got)
	}
}
