package tokenmanager

import (
	"net/netip"
	"sync"
	"time"
)

// Attempt is one sign-in attempt that holds an allowance of a Limiter.
// Call Succeeded when the password was right (successful sign-ins do not
// count) or Unchecked when the password could not be checked (a store
// error); a wrong password, or a request that gave up waiting for a
// hashing slot, keeps the allowance used. A nil *Attempt is a no-op.
type Attempt struct {
	l         *Limiter
	user, key string
	start     time.Time // of the per-network window the attempt counts in
	paced     bool      // it took an allowance of the user's pace too
	once      sync.Once
}

// ClientNetwork returns the key under which a client address is limited:
// the address itself for IPv4, its /64 for IPv6 (one subscriber usually
// holds a whole /64, and would otherwise have 2^64 fresh limits). An
// IPv4-mapped IPv6 address counts as IPv4. Anything else is kept as is.
func ClientNetwork(address string) string {
	a, err := netip.ParseAddr(address)
	if err != nil {
		return address
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// Begin takes an allowance for a sign-in attempt as user (a canonical
// username, or "" for a name that cannot be one) from address, before the
// password is checked. It refuses with ERateLimited and a Retry time when
// user has used its attempts from address's network in the window, or,
// with a per-user limit, when user's attempts from every network are
// used up and this network has not signed in as user before (a network
// that has is never paced: a distributed guesser slows down the user's
// new devices, not the ones they already use).
func (l *Limiter) Begin(user, address string) (*Attempt, error) {
	if l == nil || l.limit.N == 0 {
		return nil, nil
	}
	l.init()
	network := ClientNetwork(address)
	a := &Attempt{l: l, user: user, key: user + "\x00" + network}
	if user == "" {
		a.key = "\x00invalid\x00" + network // bounded: never the raw name
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	start, ok, wait := l.windows.take(a.key, now, l.limit)
	if !ok {
		return nil, rateLimited("too many failed sign-ins from this address", wait)
	}
	a.start = start
	if l.user == nil || user == "" || l.known.has(a.key, now) {
		return a, nil
	}
	if ok, wait := l.user.take(user, now); !ok {
		l.windows.give(a.key, start) // not checked: it does not count here
		return nil, rateLimited("too many failed sign-ins for this user from many addresses", wait)
	}
	a.paced = true
	return a, nil
}

func rateLimited(what string, wait time.Duration) error {
	wait = max(wait, time.Second)
	e := Errorf(ERateLimited, "%s; try again in %s", what, wait.Round(time.Second))
	e.Retry = wait
	return e
}

// Succeeded gives the allowance back, and remembers the network as one
// the user signs in from.
func (a *Attempt) Succeeded() {
	a.giveBack(true)
}

// Unchecked gives the allowance back: the password was not checked.
func (a *Attempt) Unchecked() {
	a.giveBack(false)
}

func (a *Attempt) giveBack(known bool) {
	if a == nil {
		return
	}
	a.once.Do(func() {
		l, now := a.l, a.l.now()
		l.mu.Lock()
		defer l.mu.Unlock()
		l.windows.give(a.key, a.start)
		if a.paced {
			l.user.give(a.user, now)
		}
		if known && a.user != "" && l.user != nil {
			l.known.remember(a.key, now)
		}
	})
}
