package redis

import (
	"context"
	"maps"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// checkPersistence reads, once per store, the Redis settings on which the
// durability of an acknowledged cancellation rests, and warns about weak
// ones. It runs on the first successful Ping and on each connect of the
// feed, never in Open (Redis may be down then); a failure to connect leaves
// it for the next time, a refused CONFIG (managed services) is logged once.
func (s *Store) checkPersistence(ctx context.Context) {
	if !s.cfg.checkConfig || s.checked.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := s.forEachPrimary(ctx, func(ctx context.Context, c goredis.Cmdable, node string) error {
		settings, err := readSettings(ctx, c)
		if err == nil {
			s.warnSettings(settings, node)
		}
		return err
	})
	if err == nil || refused(err) {
		if err != nil {
			s.log.Warn("cannot read Redis's persistence settings (CONFIG GET refused); "+
				"make sure appendonly is yes and appendfsync always, or acknowledged cancellations can be lost", "err", err)
		}
		s.checked.Store(true)
	}
}

// forEachPrimary calls fn with every primary: each master of a Cluster, the
// one primary otherwise.
func (s *Store) forEachPrimary(ctx context.Context, fn func(context.Context, goredis.Cmdable, string) error) error {
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			return fn(ctx, c, c.Options().Addr)
		})
	}
	return fn(ctx, s.rdb, "primary")
}

func readSettings(ctx context.Context, c goredis.Cmdable) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range []string{"appendonly", "appendfsync", "maxmemory-policy", "maxmemory"} {
		m, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			return nil, err
		}
		maps.Copy(out, m)
	}
	return out, nil
}

// refused reports an error that retrying will not cure: CONFIG is renamed,
// disabled or not permitted to this user.
func refused(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unknown command") || strings.Contains(msg, "noperm") ||
		strings.Contains(msg, "no permissions")
}

// warnSettings logs what an operator must change for cancellations to be
// durable and never evicted.
func (s *Store) warnSettings(set map[string]string, node string) {
	log := s.log.With("redis", node)
	switch {
	case set["appendonly"] != "yes":
		log.Warn("REDIS PERSISTENCE IS OFF (appendonly no): cancellations acknowledged since the last snapshot " +
			"are lost when Redis restarts, and the tokens they cancelled work again; set appendonly yes and appendfsync always")
	case set["appendfsync"] == "everysec":
		log.Warn("Redis appendfsync is everysec: a crash of the Redis host (not of Redis alone) can lose about " +
			"the last second of acknowledged cancellations; appendfsync always makes each durable before it is acknowledged")
	case set["appendfsync"] != "always":
		log.Warn("Redis appendfsync is "+set["appendfsync"]+": a crash of the Redis host can lose tens of seconds "+
			"of acknowledged cancellations; set appendfsync always", "appendfsync", set["appendfsync"])
	default:
		log.Info("Redis persistence: appendonly yes, appendfsync always")
	}
	if p := set["maxmemory-policy"]; strings.HasPrefix(p, "volatile-") || strings.HasPrefix(p, "allkeys-") {
		log.Warn("Redis maxmemory-policy "+p+" can evict keys: an evicted cancellation is a cancelled token "+
			"that works again, an evicted session a signed-out device; set maxmemory-policy noeviction",
			"maxmemory", set["maxmemory"])
	}
}
