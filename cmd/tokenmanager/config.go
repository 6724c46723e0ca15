package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/service"
)

// Config is everything `tokenmanager serve` is told. Each field is a flag,
// also read from TOKENMANAGER_<FLAG> and from the --config file; a flag on
// the command line wins over the environment, which wins over the file.
type Config struct {
	Addr            string
	DataDir         string
	Store           string
	AccessTTL       time.Duration
	RefreshTTL      time.Duration
	Issuer          string
	Audience        string
	Alg             string
	HS256SecretFile string
	Admins          string
	SignInLimit     string
	SignInUserLimit string
	HashMemory      string
	HashWait        time.Duration
	VerifyCache     string
	GCHeadroom      string
	ReuseGrace      time.Duration
	RevocationCheck string
	MaxStaleness    time.Duration
	OnStoreOutage   string
	StoreTimeout    time.Duration
	Leeway          time.Duration
	AdminSocket     string
	LogFormat       string
	LogLevel        string
	TrustProxy      bool
	AccessLog       bool
	KeyRefresh      time.Duration
	JWKSMaxAge      time.Duration
	SweepEvery      time.Duration
	PublicURL       string
	StatusListTTL   time.Duration
	ConfigFile      string
	// AllowEvictingRedis and MaxClockOffset: see agree.go.
	AllowEvictingRedis bool
	MaxClockOffset     time.Duration
}

// flagSet declares every serve flag on a new FlagSet bound to c.
func (c *Config) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fs.PrintDefaults() } // run prints the usage line, once
	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory of the embedded store, generated keys and the admin socket")
	fs.StringVar(&c.Store, "store", "", "shared store: redis://…, rediss://…, redis+sentinel://…, redis+cluster://… (default: the embedded store in --data-dir)")
	fs.DurationVar(&c.AccessTTL, "access-ttl", service.DefaultAccessTTL, "access token lifetime")
	fs.DurationVar(&c.RefreshTTL, "refresh-ttl", service.DefaultRefreshTTL, "refresh token lifetime")
	fs.StringVar(&c.Issuer, "issuer", "", "iss claim set on tokens and required of them")
	fs.StringVar(&c.Audience, "audience", "", "aud claim set on tokens and required of them (comma-separated)")
	fs.StringVar(&c.Alg, "alg", "", "signing algorithm: EdDSA, ES256, RS256 or HS256 (default: the stored key's, or "+jose.DefaultAlg+" for new keys)")
	fs.StringVar(&c.HS256SecretFile, "hs256-secret-file", "", "file holding the HS256 secret (at least 32 random bytes, surrounding white space trimmed); needs --alg HS256; instances given the same file accept each other's tokens")
	fs.StringVar(&c.Admins, "admins", "", "comma-separated admin usernames")
	fs.StringVar(&c.SignInLimit, "sign-in-limit", "10/15m", "failed sign-ins allowed per username and client address per window (N/duration, or off)")
	fs.StringVar(&c.SignInUserLimit, "sign-in-user-limit", "100/15m", "failed sign-ins allowed per username from every address together, then paced to one per window/N; networks the user signed in from are exempt (N/duration, or off)")
	fs.StringVar(&c.HashMemory, "hash-memory", "256MiB", "memory the argon2id password hashes in flight may use together (KiB, MiB, GiB); the rest wait --hash-wait")
	fs.StringVar(&c.VerifyCache, "verify-cache-memory", "32MiB", "memory for the cache of verified access tokens, so a token presented again skips its signature (KiB, MiB, GiB, or off)")
	fs.StringVar(&c.GCHeadroom, "gc-headroom", "64MiB", "how much the heap may grow between garbage collections, at least (KiB, MiB, GiB, or off: Go's default, GOGC=100); ignored when GOGC is set")
	fs.DurationVar(&c.HashWait, "hash-wait", 2*time.Second, "how long a sign-in or sign-up waits for a password hashing slot before it gets 503 with Retry-After")
	fs.DurationVar(&c.ReuseGrace, "refresh-reuse-grace", service.DefaultReuseGrace, "window in which a just-retired refresh token returns the current pair instead of cancelling the session (0s: off)")
	fs.StringVar(&c.RevocationCheck, "revocation-check", "replica", "replica (in-memory), strict (store per request) or off (benchmark baseline only)")
	fs.DurationVar(&c.MaxStaleness, "max-staleness", service.DefaultMaxStaleness, "how long a replica cut off from the store keeps answering")
	fs.StringVar(&c.OnStoreOutage, "on-store-outage", "closed", "after --max-staleness: closed (protected requests get 503) or open (keep answering from the replica)")
	fs.DurationVar(&c.StoreTimeout, "store-timeout", 3*time.Second, "how long a request waits on the store before it fails with 503 (a frozen Redis or a link dropping packets must not hang clients)")
	fs.DurationVar(&c.Leeway, "leeway", service.DefaultLeeway, "clock skew tolerated on exp, nbf and iat")
	fs.StringVar(&c.AdminSocket, "admin-socket", "", "Unix socket of the operator API, mode 0600 (default: <data-dir>/admin.sock; \"off\" disables it)")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.DurationVar(&c.KeyRefresh, "key-refresh", service.DefaultKeyRefresh, "how often the signing keys are reloaded from the store (rotations made elsewhere)")
	fs.DurationVar(&c.JWKSMaxAge, "jwks-max-age", tokenmanager.DefaultJWKSMaxAge, "how long verifiers may cache the JWKS (its Cache-Control max-age); keys rotate publishes a new key this long (plus 5s for caches that refresh late, plus --key-refresh on a shared store) before it signs")
	fs.BoolVar(&c.AccessLog, "access-log", false, "log every request at info level (by default only refusals and errors; successes at debug)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (only behind a proxy that sets it)")
	fs.DurationVar(&c.SweepEvery, "sweep-interval", service.DefaultSweepEvery, "how often expired cancellations and sessions are swept")
	fs.DurationVar(&c.StatusListTTL, "status-list-ttl", time.Minute, "how long verifiers may cache a Token Status List (its ttl and Cache-Control): the bound on how late they learn of a cancellation")
	fs.StringVar(&c.PublicURL, "public-url", "", "the server's address as clients reach it (https://auth.example.com), for the URLs of /.well-known/oauth-authorization-server; default: each request's Host")
	fs.BoolVar(&c.AllowEvictingRedis, "allow-evicting-redis", false, "be ready although Redis's maxmemory-policy may evict keys (evicted cancellations let cancelled tokens back)")
	fs.DurationVar(&c.MaxClockOffset, "max-clock-offset", time.Second, "how far this machine's clock may be from the shared store's before the instance is not ready")
	fs.StringVar(&c.ConfigFile, "config", "", "config file: one `flag = value` per line, # comments")
	return fs
}

// parseConfig reads args, then fills what they did not set from the
// environment and the config file.
func parseConfig(name string, args []string, getenv func(string) string) (*Config, *flag.FlagSet, error) {
	return parseConfigWith(name, args, getenv, nil)
}

// parseConfigWith is parseConfig for a command with flags of its own,
// which extra declares on the FlagSet. Flags may come before or after the
// arguments (parseInterleaved).
func parseConfigWith(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (*Config, *flag.FlagSet, error) {
	c := &Config{}
	fs := c.flagSet(name)
	if extra != nil {
		extra(fs)
	}
	if err := parseInterleaved(fs, args); err != nil {
		return nil, fs, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := applyEnv(fs, set, getenv); err != nil {
		return nil, fs, err
	}
	if c.ConfigFile != "" {
		if err := applyFile(fs, set, c.ConfigFile); err != nil {
			return nil, fs, err
		}
	}
	return c, fs, c.validate()
}

// envName returns the environment variable of a flag: TOKENMANAGER_DATA_DIR.
func envName(flag string) string {
	return "TOKENMANAGER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func applyEnv(fs *flag.FlagSet, set map[string]bool, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if err != nil || set[f.Name] || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
		}
		set[f.Name] = true
	})
	return err
}

func applyFile(fs *flag.FlagSet, set map[string]bool, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		if !ok || fs.Lookup(k) == nil {
			return fmt.Errorf("%s:%d: want `flag = value` with a known flag, got %q", path, n, line)
		}
		if set[k] {
			continue
		}
		if err := fs.Set(k, v); err != nil {
			return fmt.Errorf("%s:%d: %s: %v", path, n, k, err)
		}
	}
	return sc.Err()
}

// validate refuses settings that cannot work, naming the flag.
func (c *Config) validate() error {
	if _, err := tokenmanager.ParseCheckMode(c.RevocationCheck); err != nil {
		return fmt.Errorf("--revocation-check: %s", tokenmanager.ErrorMessage(err))
	}
	if _, err := tokenmanager.ParseLimit(c.SignInLimit); err != nil {
		return fmt.Errorf("--sign-in-limit: %s", tokenmanager.ErrorMessage(err))
	}
	if _, err := tokenmanager.ParseLimit(c.SignInUserLimit); err != nil {
		return fmt.Errorf("--sign-in-user-limit: %s", tokenmanager.ErrorMessage(err))
	}
	if _, err := parseBytes(c.HashMemory); err != nil {
		return fmt.Errorf("--hash-memory: %v", err)
	}
	if _, err := verifyCacheMemory(c.VerifyCache); err != nil {
		return fmt.Errorf("--verify-cache-memory: %v", err)
	}
	if _, err := gcHeadroom(c.GCHeadroom); err != nil {
		return fmt.Errorf("--gc-headroom: %v", err)
	}
	switch {
	case c.OnStoreOutage != "closed" && c.OnStoreOutage != "open":
		return fmt.Errorf("--on-store-outage: %q is not closed or open", c.OnStoreOutage)
	case c.AccessTTL <= 0 || c.RefreshTTL <= 0:
		return fmt.Errorf("--access-ttl and --refresh-ttl must be positive")
	case c.HashWait <= 0:
		return fmt.Errorf("--hash-wait must be positive")
	case c.StoreTimeout <= 0:
		return fmt.Errorf("--store-timeout must be positive")
	case c.SweepEvery <= 0:
		return fmt.Errorf("--sweep-interval must be positive")
	case c.KeyRefresh <= 0:
		return fmt.Errorf("--key-refresh must be positive")
	case c.JWKSMaxAge < time.Second:
		return fmt.Errorf("--jwks-max-age must be at least 1s (Cache-Control counts whole seconds)")
	case c.ReuseGrace < 0 || c.MaxStaleness < 0 || c.Leeway < 0:
		return fmt.Errorf("--refresh-reuse-grace, --max-staleness and --leeway cannot be negative")
	case c.LogFormat != "json" && c.LogFormat != "text":
		return fmt.Errorf("--log-format: %q is not json or text", c.LogFormat)
	}
	if c.Alg != "" && !slices.Contains(jose.Algs, c.Alg) {
		return fmt.Errorf("--alg: %q is not one of %s", c.Alg, strings.Join(jose.Algs, ", "))
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		return err
	}
	if c.HS256SecretFile != "" && c.Alg != "HS256" {
		return fmt.Errorf("--hs256-secret-file needs --alg HS256 (--alg is %s)", c.Alg)
	}
	return nil
}

// checkPublicURL refuses a --public-url that is not an absolute http(s)
// URL without a query or fragment (the routes' paths are appended to it).
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--public-url: %q is not an http or https URL like https://auth.example.com", s)
	}
	return nil
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseBytes reads a size: a number of bytes, or a number followed by
// KiB, MiB or GiB (also KB, MB, GB, taken as powers of 1024).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"KB", 10}, {"MB", 20}, {"GB", 30}, {"B", 0}}
	num, shift := strings.TrimSpace(s), uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > 1<<40>>shift {
		return 0, fmt.Errorf("%q is not a size like 256MiB", s)
	}
	return n << shift, nil
}
