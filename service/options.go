package service

import (
	"log/slog"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The defaults of Options, which are also the defaults of the server's
// flags: a program built on the library behaves as `tokenmanager serve`.
const (
	DefaultAccessTTL    = 5 * time.Minute
	DefaultRefreshTTL   = 720 * time.Hour
	DefaultReuseGrace   = 5 * time.Second
	DefaultLeeway       = 5 * time.Second
	DefaultMaxStaleness = 5 * time.Second
	DefaultKeyRefresh   = 10 * time.Second
	DefaultSweepEvery   = time.Minute
)

// Off, given as a duration option that defaults to a non-zero value
// (ReuseGrace, Leeway), turns that feature off: the zero value means "the
// default", as everywhere in Options.
const Off time.Duration = -1

// Options holds what differs between deployments. The zero value is the
// server's defaults; only Issuer is worth setting in every program.
type Options struct {
	// Issuer is the iss claim set on tokens and required of them.
	Issuer string
	// Audience is the aud claim set on tokens and required of them.
	Audience []string
	// AccessTTL is the lifetime of access tokens (DefaultAccessTTL).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token from its last
	// rotation (DefaultRefreshTTL).
	RefreshTTL time.Duration
	// ReuseGrace is how long a just-retired refresh token still returns the
	// session's current pair (two tabs refreshing at once) instead of
	// cancelling the session as stolen (DefaultReuseGrace; Off for none).
	ReuseGrace time.Duration
	// Leeway is the clock skew tolerated on exp, nbf and iat, and added to
	// every expiry of the cancelled set (DefaultLeeway; Off for none).
	Leeway time.Duration
	// Alg is the signing algorithm of new keys: EdDSA (the default),
	// ES256, RS256 or HS256. With a stored key set of another algorithm,
	// Open fails and says how to rotate.
	Alg string
	// HS256Secret, when set, is the only signing key (HS256), shared by
	// every instance given it; the stored key set still supplies the
	// refresh key. At least 32 random bytes.
	HS256Secret []byte
	// Check is how Verify consults the cancelled set (replica by default).
	Check tokenmanager.CheckMode
	// MaxStaleness is how long the replica keeps answering once cut off
	// from a shared store (DefaultMaxStaleness); OnStoreOutage says what
	// it does after that (closed by default: EUnavailable).
	MaxStaleness  time.Duration
	OnStoreOutage tokenmanager.OutagePolicy
	// KeyRefresh is how often the key set is reloaded from the store, for
	// rotations made by other instances (DefaultKeyRefresh). A token with
	// an unknown kid reloads it at once, at most once a second.
	KeyRefresh time.Duration
	// SweepEvery is how often expired cancellations are swept from the
	// replica and the store (DefaultSweepEvery).
	SweepEvery time.Duration
	// VerifyCacheMemory is passed to tokenmanager.Config: the bytes the
	// cache of verified tokens may take (0: the default, negative: off).
	VerifyCacheMemory int64
	// StatusListURL, when set, gives every access token an entry in a
	// Token Status List served under this URL ("https://auth.example/
	// statuslists/"; the server serves them at GET /statuslists/{id}), and
	// sets the entries of what is cancelled before acknowledging it. The
	// store must keep status lists (both stores do).
	StatusListURL string
	// Hooks observe the replica (metrics, event streams).
	Hooks tokenmanager.ReplicaHooks
	// Logger receives what happens in the background: feed losses,
	// reloads, retries (slog.Default when nil).
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); tests set it. On a shared
	// Redis store the service corrects it by Redis's clock (agree.go).
	Now func() time.Time
	// MaxClockOffset is how far Now may be from a shared store's clock
	// before the service is not ready (DefaultMaxClockOffset).
	MaxClockOffset time.Duration
	// AllowEvictingRedis lets the service be ready on a Redis whose
	// maxmemory-policy may evict keys (evicted cancellations let cancelled
	// tokens back).
	AllowEvictingRedis bool
	// Settings are further settings that every instance on a shared store
	// must agree on, by name (the server's --admins); the service compares
	// its lifetimes, leeway, issuer, audience, algorithm and reuse grace.
	Settings map[string]string
	// OnClockOffset, when set, gets every offset measured to a shared
	// store's clock (store minus local), for a metric.
	OnClockOffset func(time.Duration)
}

// withDefaults returns o with every zero field set to its default and
// every Off field set to zero.
func (o Options) withDefaults() Options {
	dur := func(d *time.Duration, def time.Duration) {
		switch {
		case *d == 0:
			*d = def
		case *d < 0:
			*d = 0
		}
	}
	dur(&o.AccessTTL, DefaultAccessTTL)
	dur(&o.RefreshTTL, DefaultRefreshTTL)
	dur(&o.ReuseGrace, DefaultReuseGrace)
	dur(&o.Leeway, DefaultLeeway)
	dur(&o.MaxStaleness, DefaultMaxStaleness)
	dur(&o.KeyRefresh, DefaultKeyRefresh)
	dur(&o.SweepEvery, DefaultSweepEvery)
	if o.Check == "" {
		o.Check = tokenmanager.CheckReplica
	}
	if o.OnStoreOutage == "" {
		o.OnStoreOutage = tokenmanager.OutageClosed
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxClockOffset <= 0 {
		o.MaxClockOffset = DefaultMaxClockOffset
	}
	return o
}

// managerConfig is the Manager's share of the options.
func (o Options) managerConfig() tokenmanager.Config {
	return tokenmanager.Config{
		Issuer: o.Issuer, Audience: o.Audience, AccessTTL: o.AccessTTL, RefreshTTL: o.RefreshTTL,
		ReuseGrace: o.ReuseGrace, Leeway: o.Leeway, Check: o.Check, Now: o.Now,
		VerifyCacheMemory: o.VerifyCacheMemory,
	}
}
