package redis

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// acceptBound is how long after Cancel returned a replica may still accept
// the token in TestConcurrentChecks, on top of the time the test process
// spent stalled (see stallMeter). It is a maximum over 100,000 checks under
// -race, so it is far above the propagation p99 that TestPropagation holds
// to the product's 10ms; what it catches is a cancellation lost or stuck on
// its way (a token accepted for good, or until the next reload).
const acceptBound = 250 * time.Millisecond

// TestConcurrentChecks runs at least 100,000 checks across three replicas
// while cancellations stream in through the three stores, and asserts that
// no replica accepts a token later than acceptBound (plus the process's
// longest stall) after its Cancel returned, and that none refuses a token
// that was never cancelled.
func TestConcurrentChecks(t *testing.T) {
	const tokens, minChecks = 4000, 100_000
	srv := redistest.Start(t)
	var stores []*Store
	var replicas []*runningReplica
	for range 3 {
		s := mustOpen(t, srv.URL())
		stores, replicas = append(stores, s), append(replicas, startReplica(t, s))
	}
	waitReady(t, replicas...)
	claims := make([]*claimsAck, tokens)
	for i := range claims {
		claims[i] = &claimsAck{c: tokenOf(fmt.Sprintf("user-%d", i%50), fmt.Sprintf("jti-%d", i))}
	}
	var checks atomic.Int64
	var latest atomic.Int64 // latest acceptance after an ack, in ns
	stalls := startStallMeter(t)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := 0; i < tokens; i += 2 { // odd tokens are never cancelled
			if err := stores[i%3].Cancel(t.Context(), tokenCancel(claims[i].c)); err != nil {
				t.Errorf("Cancel: %v", err)
				return
			}
			claims[i].ack.Store(time.Now().UnixNano())
		}
	}()
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() { checkLoop(t, r, claims, writerDone, minChecks/3+1, &checks, &latest) })
	}
	wg.Wait()
	late, stall := time.Duration(latest.Load()), stalls.total()
	t.Logf("%d checks; latest acceptance of a cancelled token after its Cancel returned: %v; the process stalled for %v in all",
		checks.Load(), late, stall)
	if late > acceptBound+stall {
		t.Errorf("a cancelled token was accepted %v after its Cancel returned, over %v + %v of stall", late, acceptBound, stall)
	}
}

// stallMeter adds up the time the test process went without running a
// goroutine that asks to wake every millisecond (gaps over 5ms): on a
// machine shared with other tests, the process (Redis too) can be left
// without a CPU for seconds, and every replica is then late by that much
// through no fault of the feed.
type stallMeter struct{ sum atomic.Int64 }

func startStallMeter(t *testing.T) *stallMeter {
	m := &stallMeter{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for last := time.Now(); ; {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			now := time.Now()
			if gap := now.Sub(last) - time.Millisecond; gap > 5*time.Millisecond {
				m.sum.Add(int64(gap))
			}
			last = now
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return m
}

func (m *stallMeter) total() time.Duration { return time.Duration(m.sum.Load()) }

// claimsAck is a token and when its cancellation was acknowledged (0: not
// yet, or never).
type claimsAck struct {
	c   *tm.Claims
	ack atomic.Int64
}

// checkLoop checks random tokens against r until the writer is done and it
// has made at least n checks.
func checkLoop(t *testing.T, r *runningReplica, claims []*claimsAck, writerDone chan struct{}, n int, checks, latest *atomic.Int64) {
	for i := 0; ; i++ {
		if i >= n && closed(writerDone) {
			return
		}
		if i%500 == 0 {
			// Leave the CPU to the feed now and then, as request
			// handlers that wait on their clients do.
			time.Sleep(100 * time.Microsecond)
		}
		k := rand.N(len(claims))
		before := time.Now().UnixNano()
		_, refused := r.Set.Check(claims[k].c)
		checks.Add(1)
		if !checkOne(t, k, refused, before, claims[k].ack.Load(), latest) {
			return
		}
	}
}

// checkOne judges one check made at time at; ack is when the token's
// cancellation returned (0 for none yet).
func checkOne(t *testing.T, k int, refused bool, at, ack int64, latest *atomic.Int64) bool {
	switch {
	case k%2 == 1 && refused:
		t.Errorf("token %d was never cancelled but is refused", k)
		return false
	case refused || ack == 0 || at < ack:
		return true
	}
	late := at - ack
	for old := latest.Load(); late > old && !latest.CompareAndSwap(old, late); old = latest.Load() {
	}
	return true
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
