package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/redis"
)

// Instances on one shared store act as one: they read one clock (the
// store's) for what they decide together, agree on the settings that decide
// what is refused, and are not ready when they do not, or when Redis may
// evict keys (redis.Guard; README "Many instances").

// DefaultMaxClockOffset is how far the machine's clock may be from a shared
// store's before the service is not ready.
const DefaultMaxClockOffset = time.Second

// startGuard builds the guard of a shared Redis store, corrects the clock
// the service will use (o.Now) by the store's, and runs its first round
// before the service builds anything, so that the first token already
// carries the store's time (if Redis does not answer yet, the next rounds
// correct it before the service is ready). A disagreement does not stop
// the start: the service runs, and Ready says why it should get no traffic.
func (s *Service) startGuard(ctx context.Context) {
	rs, ok := s.store.(*redis.Store)
	if !ok {
		return
	}
	o := &s.opts
	clock := &tokenmanager.Clock{Local: o.Now}
	o.Now = clock.Now
	s.guard = &redis.Guard{
		Store: rs, Clock: clock, MaxClockOffset: o.MaxClockOffset,
		ID: instanceID(), Settings: o.agreedSettings(),
		Lifetime:      max(o.AccessTTL, o.RefreshTTL) + o.Leeway,
		AllowEviction: o.AllowEvictingRedis, Logger: o.Logger, OnClock: o.OnClockOffset,
	}
	if o.AllowEvictingRedis {
		o.Logger.Warn("ready although Redis may evict keys (AllowEvictingRedis): an evicted cancellation lets a cancelled token back")
	}
	s.guard.Round(ctx)
}

// agreedSettings are the settings that decide what is refused, named as
// the server's flags, with the caller's Settings (the server's --admins).
func (o Options) agreedSettings() map[string]string {
	out := map[string]string{
		"--access-ttl": o.AccessTTL.String(), "--refresh-ttl": o.RefreshTTL.String(),
		"--leeway": o.Leeway.String(), "--issuer": o.Issuer,
		"--audience": joinComma(o.Audience), "--refresh-reuse-grace": o.ReuseGrace.String(),
	}
	if o.Alg != "" { // unset follows the stored key, which the start checks against a set one
		out["--alg"] = o.Alg
	}
	for k, v := range o.Settings {
		out[k] = v
	}
	return out
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

// runGuard runs the guard's rounds until ctx ends, then withdraws the
// instance's registration; wg is done then.
func (s *Service) runGuard(ctx context.Context, wg *sync.WaitGroup) {
	if s.guard == nil {
		return
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.guard.Run(ctx) }()
}

// guardReady is the guard's part of Ready.
func (s *Service) guardReady() error {
	if s.guard == nil {
		return nil
	}
	return s.guard.Check()
}

// instanceID names this instance among the others in disagreement errors.
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	rand.Read(b)
	return host + "/" + hex.EncodeToString(b)
}
