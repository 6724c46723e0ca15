package tokenmanager

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// Defaults of the password hashing budget (see Accounts.WithHashBudget).
const (
	// DefaultHashMemory is the memory the argon2id hashes in flight may
	// take together: 256 MiB, 13 hashes at OWASP's 19 MiB.
	DefaultHashMemory = 256 << 20
	// DefaultHashWait is how long a sign-in or sign-up waits for a
	// hashing slot before it is answered 503 with Retry-After.
	DefaultHashWait = 2 * time.Second
	// hashBusyRetry is the Retry-After of that 503.
	hashBusyRetry = time.Second
)

// hashGate bounds the argon2id hashes in flight: each takes its memory
// parameter (19 MiB by default) for its whole run, so a burst of sign-ins
// must queue rather than exhaust memory. A request waits at most wait
// for a slot, then gives up (503).
type hashGate struct {
	slots    chan struct{}
	wait     time.Duration
	hashes   atomic.Uint64
	timeouts atomic.Uint64
	waiting  atomic.Int64
}

// newHashGate sizes the gate: as many slots as memory holds hashes of
// argonKiB, and no more than one per CPU (argon2id with one lane is one
// goroutine of pure computation: a second hash on a CPU would only make
// both slower and double their memory, not serve more); at least one.
func newHashGate(memory int64, argonKiB uint32, wait time.Duration) *hashGate {
	n := memory / max(int64(argonKiB)<<10, 1)
	n = max(min(n, int64(runtime.GOMAXPROCS(0))), 1)
	return &hashGate{slots: make(chan struct{}, n), wait: wait}
}

// acquire waits for a slot, at most g.wait and no longer than ctx allows.
func (g *hashGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
	case <-timer.C:
	}
	g.timeouts.Add(1)
	return &Error{Code: EUnavailable, Message: "the server is busy checking passwords; try again", Err: ctx.Err(), Retry: hashBusyRetry}
}

func (g *hashGate) release() { <-g.slots }

// hash runs HashPassword, counted.
func (g *hashGate) hash(password string, p Argon2Params) string {
	g.hashes.Add(1)
	return HashPassword(password, p)
}

// check runs CheckPassword, counted.
func (g *hashGate) check(password, hash string) bool {
	g.hashes.Add(1)
	return CheckPassword(password, hash)
}

// AccountStats are the figures of an Accounts service, for the metrics.
type AccountStats struct {
	Hashes           uint64 // argon2id runs (sign-up and sign-in)
	HashTimeouts     uint64 // requests that gave up waiting for a hashing slot (503)
	HashesInFlight   int    // hashing slots in use
	HashWaiting      int    // requests waiting for a slot
	HashSlots        int    // the bound on hashes in flight
	LimiterEvictions uint64 // sign-in limiter keys evicted from a full table
}

// Stats returns the current figures.
func (a *Accounts) Stats() AccountStats {
	g := a.gate
	return AccountStats{
		Hashes: g.hashes.Load(), HashTimeouts: g.timeouts.Load(),
		HashesInFlight: len(g.slots), HashWaiting: int(g.waiting.Load()), HashSlots: cap(g.slots),
		LimiterEvictions: a.limiter.Evictions(),
	}
}

// WithHashBudget bounds the password hashes in flight by memory: at most
// memory / the argon2id memory parameter at once (and one per CPU). The
// others wait up to wait for a slot, then fail with EUnavailable and a
// Retry time. Call it before first use; it returns a.
func (a *Accounts) WithHashBudget(memory int64, wait time.Duration) *Accounts {
	a.gate = newHashGate(memory, a.argon.Memory, wait)
	return a
}
