package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/wait"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/redis"
)

// Service is a running Manager: its store, keys, replica and background
// work. It embeds the Manager, so it issues, verifies, refreshes and
// cancels tokens itself, and it satisfies tokenmanager.Verifier for the
// http package's middleware.
type Service struct {
	*tokenmanager.Manager

	opts      Options
	store     tokenmanager.Store
	feed      tokenmanager.Feed
	codec     *jose.Codec
	keys      *keyReloader
	ownsStore bool

	guard     *redis.Guard // shared Redis only: clock, settings, eviction (agree.go)
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ tokenmanager.Verifier = (*Service)(nil)

// Open opens the store named by storeURL (see OpenStore) and starts a
// Service on it; Close closes the store too.
//
// When the store cannot be reached (Redis down at start), Open retries,
// logging each failure, until it can or ctx ends: give ctx a deadline to
// give up sooner. A configuration that can never work (a bad URL, a stored
// key of another algorithm) fails at once.
func Open(ctx context.Context, storeURL string, opts Options) (*Service, error) {
	opts = opts.withDefaults()
	store, err := OpenStore(ctx, storeURL, opts.Logger)
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, store, opts)
	if err != nil {
		store.Close()
		return nil, err
	}
	s.ownsStore = true
	return s, nil
}

// New starts a Service on a store the caller opened (and closes). A store
// that other processes write must have a change feed (tokenmanager.Feed),
// which the replica then follows; one without must declare itself
// Exclusive. Otherwise New refuses it: its replica would never hear of the
// others' cancellations. It retries an unreachable store as Open does.
func New(ctx context.Context, store tokenmanager.Store, opts Options) (*Service, error) {
	return start(ctx, store, opts.withDefaults())
}

// start builds the Service, retrying while the store is unreachable, then
// starts its background work and waits until its replica is in step with
// the store.
func start(ctx context.Context, store tokenmanager.Store, opts Options) (*Service, error) {
	feed, err := feedOf(store)
	if err != nil {
		return nil, err
	}
	s := &Service{opts: opts, store: store, feed: feed}
	setStoreLogger(store, opts.Logger)
	s.startGuard(ctx)
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err = s.build(ctx)
		if err == nil || permanent(err) {
			break
		}
		opts.Logger.Error("cannot start: the store is unreachable; retrying", "err", err, "retry_in", backoff)
		if !wait.Sleep(ctx, backoff) {
			return nil, fmt.Errorf("the store is unreachable: %w", err)
		}
	}
	if err != nil {
		return nil, err
	}
	s.run()
	if err := s.waitReady(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// permanent reports whether a start-up error will not go away by retrying:
// a configuration error, as opposed to a store that does not answer.
func permanent(err error) bool {
	var e *tokenmanager.Error
	return errors.As(err, &e) && e.Code != tokenmanager.EUnavailable && e.Code != tokenmanager.EInternal
}

// build loads the keys and builds the codec, the replica and the manager.
func (s *Service) build(ctx context.Context) error {
	o := s.opts
	if err := upgradeFormat(ctx, s.store); err != nil {
		return err
	}
	keys, err := signingKeys(ctx, s.store, o)
	if err != nil {
		return err
	}
	s.codec, err = jose.NewCodec(keys, jose.Options{Issuer: o.Issuer, Audience: o.Audience, Leeway: o.Leeway, Now: o.Now})
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	s.keys = &keyReloader{store: s.store, codec: s.codec, keep: o.AccessTTL + o.Leeway, now: o.Now, static: o.HS256Secret != nil}
	replica := s.newReplica()
	if s.feed == nil { // exclusive: load now, nothing else can change it
		if err := replica.Load(ctx); err != nil {
			return err
		}
		replica.Live(true)
	}
	if o.Check == tokenmanager.CheckOff {
		o.Logger.Warn("REVOCATION CHECK IS OFF: cancelled tokens are accepted. Use this only as a benchmark baseline.")
	}
	s.Manager = tokenmanager.NewManager(o.managerConfig(), reloadingCodec{s.codec, s.keys}, s.store, replica, keys.RefreshKey, o.Logger)
	if o.HS256Secret == nil { // never store an operator's secret
		s.keys.holdKeys(keys, s.Manager.SetRefreshKey)
	}
	if o.StatusListURL != "" {
		st, ok := s.store.(tokenmanager.StatusStore)
		if !ok {
			return tokenmanager.Errorf(tokenmanager.EInvalid, "store %T keeps no status lists", s.store)
		}
		s.Manager.Status = tokenmanager.NewStatusLists(st, o.StatusListURL, o.AccessTTL+o.Leeway)
	}
	return nil
}

func (s *Service) newReplica() *tokenmanager.Replica {
	o := s.opts
	r := tokenmanager.NewReplica(s.store, s.feed, o.Logger)
	r.MaxStaleness, r.OnOutage, r.SweepEvery, r.Now = o.MaxStaleness, o.OnStoreOutage, o.SweepEvery, o.Now
	r.SetHooks(s.withKeyRevocations(o.Hooks))
	if s.feed != nil { // a shared store: put back what it loses (restore.go)
		r.KeepForRestore()
	}
	return r
}

// run starts the background work: the replica (following the feed, or
// pinging an exclusive store, and sweeping) and the key reloads.
func (s *Service) run() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.keys.watch(ctx, s.opts.KeyRefresh, s.opts.Logger) }()
	go func() { defer wg.Done(); s.Replica().Run(ctx, s.store.Ping) }()
	s.runGuard(ctx, &wg)
	go func() { wg.Wait(); close(s.done) }()
}

// waitReady waits until the replica has loaded the store's set and is in
// step with it: a Service that Open returned refuses every cancellation
// acknowledged before.
func (s *Service) waitReady(ctx context.Context) error {
	for !s.Replica().Ready() {
		if !wait.Sleep(ctx, 5*time.Millisecond) {
			return fmt.Errorf("the cancelled set was not loaded before the start was given up: %w", ctx.Err())
		}
	}
	return nil
}

// Ready reports why the service cannot vouch for its answers right now (nil
// when it can): the replica is behind the store, or the store does not
// answer. It is the server's /readyz.
func (s *Service) Ready(ctx context.Context) error {
	if !s.Replica().Ready() {
		return errors.New("the cancelled-set replica is not in sync with the store")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("the store is unreachable: %w", err)
	}
	return s.guardReady()
}

// Store returns the store the service runs on, for the operations beyond
// tokens (accounts) that a server needs.
func (s *Service) Store() tokenmanager.Store { return s.store }

// Codec returns the codec that signs and verifies, for the JWKS.
func (s *Service) Codec() *jose.Codec { return s.codec }

// Options returns the options the service runs with, defaults filled in.
func (s *Service) Options() Options { return s.opts }

// ReloadKeys reads the key set from the store now (a rotation made
// elsewhere), instead of at the next KeyRefresh.
func (s *Service) ReloadKeys(ctx context.Context) error { return s.keys.reload(ctx) }

// RotateKeys makes a new key of alg (the newest key's algorithm when
// empty) the active one at once, on every instance of the store (the
// others learn it at their next reload, or at once from a token that names
// it), and returns the new key set. Retired keys keep verifying until
// their tokens expired. RotateKeysAt stages a rotation instead.
func (s *Service) RotateKeys(ctx context.Context, alg string) (*tokenmanager.KeySet, error) {
	return s.RotateKeysAt(ctx, alg, s.opts.Now())
}

// Close stops the background work, then closes the store if Open opened
// it. It is safe to call more than once.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
		if s.ownsStore {
			s.closeErr = s.store.Close()
		}
	})
	return s.closeErr
}
