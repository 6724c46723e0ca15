package redis

import (
	"crypto/tls"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// knobs points at the fields that the three go-redis option types share,
// so that one function can tune them all.
type knobs struct {
	ctxTimeout    *bool
	dialTimeout   *time.Duration
	dialerRetries *int
	maxRetries    *int
	poolSize      *int
	clientName    *string
	tls           **tls.Config
}

// tune sets what the store needs and the URL did not say: callers'
// deadlines are honoured, a dial to a dead server fails after one attempt
// (the store's callers and the feed retry at their own pace), and the
// connections are named for CLIENT LIST. The feed's client never retries a
// command by itself, so that a lost connection is reported at once.
func (k knobs) tune(feed bool, tlsConf *tls.Config) {
	*k.ctxTimeout = true
	if *k.dialTimeout == 0 {
		*k.dialTimeout = 2 * time.Second
	}
	if *k.dialerRetries == 0 {
		*k.dialerRetries = 1
	}
	if *k.clientName == "" {
		*k.clientName = "tokenmanager"
	}
	if *k.tls != nil && tlsConf != nil {
		c := tlsConf.Clone()
		if c.ServerName == "" {
			c.ServerName = (*k.tls).ServerName // the URL's host
		}
		*k.tls = c
	}
	if feed {
		*k.maxRetries, *k.poolSize = -1, 4
	}
}

// client returns a new go-redis client for t. It connects lazily.
func (t *target) client(feed bool, tlsConf *tls.Config) goredis.UniversalClient {
	switch {
	case t.cluster != nil:
		o := *t.cluster
		knobs{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
			&o.PoolSize, &o.ClientName, &o.TLSConfig}.tune(feed, tlsConf)
		return goredis.NewClusterClient(&o)
	case t.failover != nil:
		o := *t.failover
		knobs{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
			&o.PoolSize, &o.ClientName, &o.TLSConfig}.tune(feed, tlsConf)
		return goredis.NewFailoverClient(&o)
	}
	o := *t.simple
	knobs{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
		&o.PoolSize, &o.ClientName, &o.TLSConfig}.tune(feed, tlsConf)
	return goredis.NewClient(&o)
}
