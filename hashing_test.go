package tokenmanager

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// mapAccounts is the smallest AccountStore, for tests of Accounts' own
// logic (the stores have their own suite, storetest).
type mapAccounts struct {
	mu sync.Mutex
	m  map[string]Account
}

func (s *mapAccounts) CreateAccount(_ context.Context, a *Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[a.Username]; ok {
		return Errorf(EConflict, "taken")
	}
	s.m[a.Username] = *a
	return nil
}

func (s *mapAccounts) Account(_ context.Context, name string) (*Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[name]
	if !ok {
		return nil, Errorf(ENotFound, "no account")
	}
	return &a, nil
}

var testArgon = Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// TestHashBudget: the hashes in flight are bounded by memory.
func TestHashBudget(t *testing.T) {
	const mem = 19 << 10 // KiB, OWASP's
	perCPU := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name   string
		budget int64
		want   int
	}{
		{"OneHash", mem << 10, 1},
		{"TwoHashes", 2*mem<<10 + 1, min(2, perCPU)},
		{"LessThanOneHash", 1 << 20, 1},
		{"Plenty", 1 << 40, perCPU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAccounts(&mapAccounts{m: map[string]Account{}}, nil, Argon2Params{Memory: mem, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
			if got := a.WithHashBudget(tc.budget, time.Second).Stats().HashSlots; got != tc.want {
				t.Fatalf("slots = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestSignInWaitsForAHashingSlot: with every slot taken, a sign-in waits
// its deadline, then fails with EUnavailable and a Retry time; the
// attempt still counts against the sign-in limit.
func TestSignInWaitsForAHashingSlot(t *testing.T) {
	ctx := t.Context()
	a := NewAccounts(&mapAccounts{m: map[string]Account{}}, NewLimiter(Limit{N: 2, Window: time.Minute}, nil), testArgon).
		WithHashBudget(0, 10*time.Millisecond) // one slot
	if _, err := a.SignUp(ctx, "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
	a.gate.slots <- struct{}{} // a hash that does not finish
	for range 2 {
		_, err := a.SignIn(ctx, "alice", "correct horse", "192.0.2.1")
		var e *Error
		if !errors.As(err, &e) || e.Code != EUnavailable || e.Retry <= 0 {
			t.Fatalf("SignIn = %v; want temporarily_unavailable with a Retry", err)
		}
	}
	if s := a.Stats(); s.HashTimeouts != 2 || s.HashesInFlight != 1 {
		t.Fatalf("stats = %+v; want 2 timeouts, 1 in flight", s)
	}
	a.gate.release()
	if _, err := a.SignIn(ctx, "alice", "correct horse", "192.0.2.1"); ErrorCode(err) != ERateLimited {
		t.Fatalf("SignIn after two abandoned attempts = %v; want rate_limited", err)
	}
	if _, err := a.SignIn(ctx, "alice", "correct horse", "192.0.2.2"); err != nil {
		t.Fatalf("SignIn from elsewhere = %v", err)
	}
}

// BenchmarkHashPassword is the cost of one sign-in's hash with the
// default (OWASP) parameters: what bounds sign-ins per second per CPU.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery", DefaultArgon2)
	}
}
