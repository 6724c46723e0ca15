package redis

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"time"
)

// Option configures a Store opened by Open.
type Option func(*config)

type config struct {
	logger      *slog.Logger
	prefix      string
	feedLen     int64
	block       time.Duration
	checkConfig bool
	tls         *tls.Config
}

func defaultConfig() config {
	return config{logger: slog.Default(), prefix: "tm", feedLen: 100_000,
		block: 500 * time.Millisecond, checkConfig: true}
}

func (c *config) validate() error {
	switch {
	case c.prefix == "" || strings.ContainsAny(c.prefix, "{}"):
		return errors.New("the key prefix must be non-empty and contain no braces (they are Cluster hash tags)")
	case c.feedLen < 1000:
		return errors.New("the feed length must be at least 1000")
	case c.block < 10*time.Millisecond:
		return errors.New("the feed block time must be at least 10ms")
	}
	return nil
}

// WithLogger sets where the store logs: its warnings about Redis settings
// that put acknowledged cancellations at risk, and the change feed's
// reconnects. The default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithPrefix sets the prefix of every key (default "tm"), so that several
// deployments, or tests, can share one Redis without seeing each other.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithFeedLength sets about how many cancellations the change feed's stream
// keeps (default 100,000; XADD MAXLEN ~). A replica that falls further
// behind than that reloads the whole set instead of replaying the stream,
// so a longer stream trades Redis memory for fewer full reloads.
func WithFeedLength(n int64) Option { return func(c *config) { c.feedLen = n } }

// WithFeedBlock sets how long one blocking read of the change feed waits
// (default 500ms). A frozen Redis or a silently dropped link is noticed
// within this plus 750ms, so it bounds how late a replica learns that it
// is cut off; shorter means more idle round trips (one probe per block).
func WithFeedBlock(d time.Duration) Option { return func(c *config) { c.block = d } }

// WithoutConfigCheck turns off the CONFIG GET of the persistence and
// eviction settings, for managed Redis services that refuse CONFIG. The
// store then cannot warn that acknowledged cancellations are at risk.
func WithoutConfigCheck() Option { return func(c *config) { c.checkConfig = false } }

// WithTLSConfig sets the TLS configuration of rediss:// URLs, for a private
// certificate authority or client certificates; without it the system's
// roots verify the server. An empty ServerName is the URL's host. It is
// ignored for plain redis:// URLs.
func WithTLSConfig(t *tls.Config) Option { return func(c *config) { c.tls = t } }
