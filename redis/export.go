package redis

import (
	"context"
	"errors"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

var _ tm.Exporter = (*Store)(nil)

// Export calls fn with every record still of use at now: the key set, the
// accounts (SCAN of <prefix>:a:*), the sessions (SCAN of <prefix>:s:*) and
// the cancelled set (as Cancellations reads it). On a Cluster every
// primary is scanned. It is not one snapshot: writes made meanwhile may or
// may not be in it, so stop the instances before a migration (a backup
// taken while they run holds every cancellation acknowledged before it
// began, since entries are never removed before they expire). A key
// family added to the layout needs its step here.
func (s *Store) Export(ctx context.Context, now time.Time, fn func(tm.Record) error) error {
	steps := []func(context.Context, time.Time, func(tm.Record) error) error{
		s.exportKeySet, s.exportAccounts, s.exportSessions, s.exportCancellations, s.exportClients,
		s.exportStatusLists,
	}
	for _, step := range steps {
		if err := step(ctx, now, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) exportKeySet(ctx context.Context, _ time.Time, fn func(tm.Record) error) error {
	ks, err := s.KeySet(ctx)
	if tm.ErrorCode(err) == tm.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	return fn(tm.Record{KeySet: ks})
}

// exportAccounts reads each account with Account, so that the export
// carries whatever Account reads.
func (s *Store) exportAccounts(ctx context.Context, _ time.Time, fn func(tm.Record) error) error {
	prefix := s.k.account("")
	return s.scanKeys(ctx, prefix, func(keys []string) error {
		for _, k := range keys {
			a, err := s.Account(ctx, strings.TrimPrefix(k, prefix))
			if tm.ErrorCode(err) == tm.ENotFound {
				continue // deleted meanwhile
			} else if err != nil {
				return err
			}
			if err := fn(tm.Record{Account: a}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) exportSessions(ctx context.Context, now time.Time, fn func(tm.Record) error) error {
	return s.scanKeys(ctx, s.k.session(""), func(keys []string) error {
		return s.getEach(ctx, keys, func(_ string, data []byte) error {
			x, err := decodeSession(data)
			if err != nil || x.Expired(now) {
				return err
			}
			return fn(tm.Record{Session: x})
		})
	})
}

func (s *Store) exportCancellations(ctx context.Context, now time.Time, fn func(tm.Record) error) error {
	cs, err := s.Cancellations(ctx, now)
	if err != nil {
		return err
	}
	for i := range cs {
		if err := fn(tm.Record{Cancellation: &cs[i]}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) exportClients(ctx context.Context, _ time.Time, fn func(tm.Record) error) error {
	cs, err := s.Clients(ctx)
	if err != nil {
		return err
	}
	for i := range cs {
		if err := fn(tm.Record{Client: &cs[i]}); err != nil {
			return err
		}
	}
	return nil
}

// exportStatusLists finds the lists by their <prefix>:st:{id}:next keys
// and reads each with StatusList and its expiry.
func (s *Store) exportStatusLists(ctx context.Context, now time.Time, fn func(tm.Record) error) error {
	prefix := s.k.p + ":st:{"
	return s.scanKeys(ctx, prefix, func(keys []string) error {
		for _, k := range keys {
			id, ok := strings.CutSuffix(strings.TrimPrefix(k, prefix), "}:next")
			if !ok {
				continue // the bits key
			}
			if err := s.exportStatusList(ctx, id, now, fn); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) exportStatusList(ctx context.Context, id string, now time.Time, fn func(tm.Record) error) error {
	bits, size, err := s.StatusList(ctx, id)
	if tm.ErrorCode(err) == tm.ENotFound {
		return nil // expired meanwhile
	} else if err != nil {
		return err
	}
	exp, err := s.rdb.PExpireTime(ctx, s.k.statusNext(id)).Result()
	if err != nil {
		return unavailable(err, "cannot read a status list's expiry")
	}
	at := time.UnixMilli(exp.Milliseconds())
	if exp <= 0 || !now.Before(at) {
		return nil
	}
	return fn(tm.Record{StatusList: &tm.StatusListRecord{ID: id, Reserved: size, Bits: bits, ExpiresAt: at}})
}

// scanBatch is how many keys one SCAN step asks for, and one pipeline GETs.
const scanBatch = 500

// scanKeys calls fn with the keys that start with prefix, a batch at a
// time, on every primary.
func (s *Store) scanKeys(ctx context.Context, prefix string, fn func(keys []string) error) error {
	return s.forEachPrimary(ctx, func(ctx context.Context, c goredis.Cmdable, _ string) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, globEscape(prefix)+"*", scanBatch).Result()
			if err != nil {
				return unavailable(err, "cannot scan Redis")
			}
			if err := fn(keys); err != nil {
				return err
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	})
}

// getEach GETs keys with one pipeline and calls fn with each one found (a
// key that expired since the SCAN is skipped).
func (s *Store) getEach(ctx context.Context, keys []string, fn func(string, []byte) error) error {
	cmds := make([]*goredis.StringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return unavailable(err, "cannot read Redis")
	}
	for i, c := range cmds {
		data, err := c.Bytes()
		if errors.Is(err, goredis.Nil) {
			continue
		} else if err != nil {
			return corrupt(err, "record under "+keys[i])
		}
		if err := fn(keys[i], data); err != nil {
			return err
		}
	}
	return nil
}
