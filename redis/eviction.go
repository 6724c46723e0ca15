package redis

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// CheckEviction returns an error when a primary's maxmemory-policy may
// evict keys: an evicted cancellation is a cancelled token that works
// again, an evicted account a name anyone can sign up with. An instance
// should not take traffic on such a Redis unless the operator explicitly
// accepted it. A refused CONFIG (managed services) cannot be checked and
// is not an error here (Ping already warned).
func (s *Store) CheckEviction(ctx context.Context) error {
	var bad []string
	err := s.forEachPrimary(ctx, func(ctx context.Context, c goredis.Cmdable, node string) error {
		m, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
		if err != nil {
			return err
		}
		if p := m["maxmemory-policy"]; evicting(p) {
			bad = append(bad, node+": "+p)
		}
		return nil
	})
	if err != nil && !refused(err) {
		return unavailable(err, "cannot read Redis's maxmemory-policy")
	}
	if len(bad) > 0 {
		return fmt.Errorf("Redis may evict keys (maxmemory-policy %s): set maxmemory-policy noeviction, "+
			"or start with --allow-evicting-redis to accept that evicted cancellations let cancelled tokens back",
			strings.Join(bad, ", "))
	}
	return nil
}

func evicting(policy string) bool {
	return strings.HasPrefix(policy, "volatile-") || strings.HasPrefix(policy, "allkeys-")
}
