package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/redis"
)

// Instances on one shared store act as one: they read one clock (the
// store's) for what they decide together, agree on the settings that decide
// what is refused, and refuse readiness when they do not, or when Redis may
// evict keys (redis.Guard). This file wires that into Main.

// clk returns the instance's clock: the local one (or the tests' injected
// one), corrected by the shared store's once the guard has measured it.
func (m *Main) clk() *tokenmanager.Clock {
	if m.clock == nil {
		m.clock = &tokenmanager.Clock{Local: m.now}
	}
	return m.clock
}

// agree builds the guard of a shared Redis store and runs its first round
// before the service starts, so that its clock is corrected from the first
// token (if Redis does not answer yet, the guard's next rounds correct it
// before the instance is ready). A disagreement does not stop the start:
// the instance serves, and is not ready while it lasts.
func (m *Main) agree(ctx context.Context) {
	rs, ok := m.store.(*redis.Store)
	if !ok {
		return
	}
	c := m.Config
	m.clockOffset = prometheus.NewGauge(prometheus.GaugeOpts{Name: "tokenmanager_clock_offset_seconds",
		Help: "The shared store's clock minus this machine's, as last measured (--max-clock-offset bounds it)."})
	m.guard = &redis.Guard{
		Store: rs, Clock: m.clk(), MaxClockOffset: c.MaxClockOffset,
		ID: instanceID(), Settings: m.agreedSettings(),
		Lifetime:      max(c.AccessTTL, c.RefreshTTL) + c.Leeway,
		AllowEviction: c.AllowEvictingRedis, Logger: m.Logger,
		OnClock: func(d time.Duration) { m.clockOffset.Set(d.Seconds()) },
	}
	if c.AllowEvictingRedis {
		m.Logger.Warn("--allow-evicting-redis: ready although Redis may evict keys; an evicted cancellation lets a cancelled token back")
	}
	m.guard.Round(ctx)
}

// agreedSettings are the flags that decide what is refused, as every
// instance on the store must have them.
func (m *Main) agreedSettings() map[string]string {
	c := m.Config
	admins := canonicalAdmins(c.Admins, m.Logger)
	slices.Sort(admins)
	out := map[string]string{
		"--access-ttl": c.AccessTTL.String(), "--refresh-ttl": c.RefreshTTL.String(),
		"--leeway": c.Leeway.String(), "--admins": strings.Join(admins, ","), "--issuer": c.Issuer,
		"--audience": strings.Join(list(c.Audience), ","), "--refresh-reuse-grace": c.ReuseGrace.String(),
	}
	if c.Alg != "" { // unset follows the stored key, which the start checks against a set one
		out["--alg"] = c.Alg
	}
	return out
}

// runGuard runs the guard's rounds until ctx ends; wait returns once it
// has withdrawn the instance's registration.
func (m *Main) runGuard(ctx context.Context) (wait func()) {
	if m.guard == nil {
		return func() {}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.guard.Run(ctx) }()
	return wg.Wait
}

// guardReady is the guard's part of the readiness check.
func (m *Main) guardReady() error {
	if m.guard == nil {
		return nil
	}
	return m.guard.Check()
}

// instanceID names this instance among the others in disagreement errors.
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	rand.Read(b)
	return host + "/" + hex.EncodeToString(b)
}
