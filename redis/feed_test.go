package redis

import (
	"fmt"
	"slices"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestFeedReachesEveryReplica cancels through each of three stores (three
// instances) and sees every cancellation refused by all three replicas.
func TestFeedReachesEveryReplica(t *testing.T) {
	srv := redistest.Start(t)
	var stores []*Store
	var replicas []*runningReplica
	for range 3 {
		s := mustOpen(t, srv.URL())
		stores, replicas = append(stores, s), append(replicas, startReplica(t, s))
	}
	waitReady(t, replicas...)
	for i, s := range stores {
		c := tokenOf("alice", fmt.Sprintf("jti-%d", i))
		if err := s.Cancel(t.Context(), tokenCancel(c)); err != nil {
			t.Fatalf("Cancel through store %d: %v", i, err)
		}
		for _, r := range replicas {
			r.waitRefused(t, c, time.Second)
		}
	}
}

// TestPropagation measures, over 1,000 cancellations one after the other,
// the time from the start of Cancel on one instance to the cancellation
// applied by another instance's replica.
//
// The p99 must be under the product's 10ms bound. A machine busy with other
// tests can stall a run, so a run over the bound is measured once more and
// only two in a row fail.
func TestPropagation(t *testing.T) {
	var p99 time.Duration
	for run := 1; run <= 2; run++ {
		lat := measurePropagation(t, 1000)
		p99 = percentile(lat, 99)
		t.Logf("run %d: propagation over %d cancellations: p50 %v, p99 %v, max %v",
			run, len(lat), percentile(lat, 50), p99, lat[len(lat)-1])
		if p99 <= 10*time.Millisecond {
			return
		}
	}
	t.Errorf("propagation p99 = %v twice in a row, want under the product's 10ms bound", p99)
}

// measurePropagation cancels n tokens through store A and returns, sorted,
// how long each took to be refused by the replica of store B.
func measurePropagation(tb testing.TB, n int) []time.Duration {
	p := newPropagation(tb)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		lat = append(lat, p.once(tb, i))
	}
	slices.Sort(lat)
	return lat
}

// propagation is two instances on one Redis: a writer store and a replica
// fed by another store.
type propagation struct {
	a *Store
	r *runningReplica
}

func newPropagation(tb testing.TB) *propagation {
	srv := redistest.Start(tb)
	p := &propagation{a: mustOpen(tb, srv.URL()), r: startReplica(tb, mustOpen(tb, srv.URL()))}
	waitReady(tb, p.r)
	return p
}

// once cancels token i on A and returns the time until B refuses it,
// counted from the start of Cancel.
func (p *propagation) once(tb testing.TB, i int) time.Duration {
	c := tokenOf("alice", fmt.Sprintf("jti-%d", i))
	start := time.Now()
	if err := p.a.Cancel(tb.Context(), tokenCancel(c)); err != nil {
		tb.Fatalf("Cancel: %v", err)
	}
	p.r.waitRefused(tb, c, 5*time.Second)
	return time.Since(start)
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// TestManagersAcrossInstances signs in on one instance, verifies on
// another, cancels the subject on the first and sees the second refuse the
// token, with keys shared through the store.
func TestManagersAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newInstance(t, srv.URL()), newInstance(t, srv.URL())
	pair, err := a.Issue(t.Context(), "alice", tm.SessionMeta{UserAgent: "test"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if _, err := b.Verify(t.Context(), pair.AccessToken); err != nil {
		t.Fatalf("Verify on the other instance: %v", err)
	}
	if err := a.CancelSubject(t.Context(), "alice"); err != nil {
		t.Fatalf("CancelSubject: %v", err)
	}
	waitFor(t, time.Second, "the other instance accepts a token of a cancelled subject", func() bool {
		_, err := b.Verify(t.Context(), pair.AccessToken)
		return tm.ErrorCode(err) == tm.EInvalidToken
	})
	if _, err := b.Refresh(t.Context(), pair.RefreshToken, tm.SessionMeta{}); tm.ErrorCode(err) != tm.EInvalidGrant {
		t.Fatalf("Refresh after CancelSubject = %v, want %s", err, tm.EInvalidGrant)
	}
}
