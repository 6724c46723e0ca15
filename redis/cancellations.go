package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// Cancel stores c, merged with any entry of the same key, and publishes the
// merged entry on the change feed, in one Lua script (see cancelScript).
// Times are kept in whole milliseconds: Before as CancelledSet keeps it
// (truncated), so that IsCancelled and the replicas agree; ExpiresAt
// rounded up, so that an entry never expires early.
//
// It returns once Redis has answered, which is durable as far as Redis's
// persistence makes it: with appendonly yes and appendfsync always, Redis
// writes and fsyncs the AOF before it answers, so the cancellation
// survives a crash of Redis and of its host; with everysec it survives a
// crash of Redis (the write reached the kernel) but a crash of the host
// loses up to about a second. Open's first Ping logs a warning when the
// settings are weaker. Any failure is EUnavailable: the caller may retry,
// and merging makes a retry harmless.
func (s *Store) Cancel(ctx context.Context, c tm.Cancellation) error {
	_, err := s.cancel(ctx, c, "", 0)
	return err
}

// CancelCutoff stores a session's or subject's cancellation with its
// cut-off taken from Redis's clock inside the write, at least margin ahead
// of it, and an expiry covering the longest lifetime any instance
// announced (AnnounceLifetime); it returns the entry as stored. This is
// what orders a cancellation against refreshes on other instances
// (tokenmanager.CutoffStore). The caller's clock is not used.
func (s *Store) CancelCutoff(ctx context.Context, c tm.Cancellation, margin time.Duration, _ func() time.Time) (tm.Cancellation, error) {
	life := c.ExpiresAt.Sub(c.Before)
	return s.cancel(ctx, c, strconv.FormatInt(max(margin.Milliseconds(), 1), 10), life.Milliseconds())
}

// cancel runs cancelScript; margin is empty for an entry whose cut-off
// is not stamped.
func (s *Store) cancel(ctx context.Context, c tm.Cancellation, margin string, life int64) (tm.Cancellation, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	key := c.Key()
	keys := []string{s.k.entry(key), s.k.all(), s.k.expiry(), s.k.stream(), s.k.seq(), s.k.life(), s.k.subjects()}
	vals, err := cancelScript.Run(ctx, s.rdb, keys, key,
		c.Before.UnixMilli(), ceilMilli(c.ExpiresAt).UnixMilli(),
		s.cfg.feedLen, string(rune(c.Kind)), c.Issuer, c.ID, margin, life, c.Subject).StringSlice()
	if err != nil {
		return c, unavailable(err, "the cancellation could not be stored in Redis")
	}
	if len(vals) != 3 {
		return c, corrupt(errors.New("unexpected reply"), "cancellation reply")
	}
	stored, err := decodeEntry(key, vals[0]+" "+vals[1])
	if err != nil {
		return c, err
	}
	c.Before, c.ExpiresAt, c.Subject = stored.Before, stored.ExpiresAt, vals[2]
	return c, nil
}

// IsCancelled reads the token's, the session's, the subject's and the
// signing key's entries from the {c}:all hash with one HMGET and applies
// the rule of tokenmanager.CancelledSet.Check: the token's jti or its key
// is cancelled, or its session or subject was cancelled after the token
// was issued. It reads the hash, not the per-entry keys: those carry TTLs,
// which an evicting maxmemory-policy removes first. An entry past its
// expiry that is not swept yet can only match tokens that have expired too.
func (s *Store) IsCancelled(ctx context.Context, c *tm.Claims) (bool, error) {
	fields := []string{
		tm.Cancellation{Kind: tm.KindToken, Issuer: c.Issuer, ID: c.ID}.Key(),
		tm.Cancellation{Kind: tm.KindSubject, ID: c.Subject}.Key(),
	}
	if c.KeyID != "" { // a revoked key refuses its tokens whenever issued
		fields = append(fields, tm.Cancellation{Kind: tm.KindKey, ID: c.KeyID}.Key())
	}
	if c.SessionID != "" {
		fields = append(fields, tm.Cancellation{Kind: tm.KindSession, ID: c.SessionID}.Key())
	}
	vals, err := s.rdb.HMGet(ctx, s.k.all(), fields...).Result()
	if err != nil {
		return false, unavailable(err, "cannot ask Redis for cancellations")
	}
	if (vals[0] != nil && c.ID != "") || (c.KeyID != "" && vals[2] != nil) {
		return true, nil
	}
	iat := c.IssuedAt.UnixMilli()
	for _, v := range vals[1:] {
		if cancelledBefore(v, iat) {
			return true, nil
		}
	}
	return false, nil
}

// cancelledBefore reports whether a stored entry's cut-off is after iat. A
// value that cannot be read refuses the token: failing closed.
func cancelledBefore(v any, iat int64) bool {
	str, ok := v.(string)
	if !ok {
		return v != nil
	}
	before, _, err := parseEntryValue(str)
	return err != nil || iat < before
}

// Cancellations returns every entry not expired at now. It walks the
// {c}:all hash with HSCAN in chunks of scanChunk fields, so that Redis
// never blocks on one huge reply, and decodes each chunk while the next one
// is fetched; the chunk's subjects come from the {c}:sub hash (one HMGET a
// chunk; entries stored by older versions have none). HSCAN may return a
// field twice while the hash is resized; duplicates are merged.
func (s *Store) Cancellations(ctx context.Context, now time.Time) ([]tm.Cancellation, error) {
	size, err := s.rdb.HLen(ctx, s.k.all()).Result()
	if err != nil {
		return nil, unavailable(err, "cannot read the cancelled set")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks, errc := s.scanAll(ctx)
	l := newLister(int(size), now)
	for kv := range chunks {
		if err := l.add(kv); err != nil {
			return nil, err
		}
	}
	if err := <-errc; err != nil {
		return nil, unavailable(err, "cannot read the cancelled set")
	}
	return l.out, nil
}

// scanChunk is the COUNT of each HSCAN: about 10,000 fields, a reply of a
// few hundred kilobytes that Redis builds in a few milliseconds.
const scanChunk = 10_000

// scanChunkOf is one chunk of the {c}:all hash: field, value, field...,
// and the subjects of its fields, in order (nil where none is stored).
type scanChunkOf struct {
	kv   []string
	subs []any
}

// scanAll sends the chunks of the {c}:all hash with their subjects, then
// closes chunks and sends the scan's error (or nil) on errc.
func (s *Store) scanAll(ctx context.Context) (<-chan scanChunkOf, <-chan error) {
	chunks, errc := make(chan scanChunkOf, 2), make(chan error, 1)
	go func() {
		defer close(chunks)
		var cursor uint64
		for {
			kv, next, err := s.rdb.HScan(ctx, s.k.all(), cursor, "", scanChunk).Result()
			var subs []any
			if err == nil {
				subs, err = s.subjectsOf(ctx, kv)
			}
			if err != nil {
				errc <- err
				return
			}
			select {
			case chunks <- scanChunkOf{kv, subs}:
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
			if cursor = next; cursor == 0 {
				errc <- nil
				return
			}
		}
	}()
	return chunks, errc
}

// subjectsOf reads the subjects of the fields of kv (field, value, ...).
func (s *Store) subjectsOf(ctx context.Context, kv []string) ([]any, error) {
	if len(kv) == 0 {
		return nil, nil
	}
	fields := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		fields = append(fields, kv[i])
	}
	return s.rdb.HMGet(ctx, s.k.subjects(), fields...).Result()
}

// lister collects the live entries of a scan.
type lister struct {
	now  time.Time
	out  []tm.Cancellation
	seen map[string]int // field -> index in out
}

func newLister(size int, now time.Time) *lister {
	return &lister{now: now, out: make([]tm.Cancellation, 0, size), seen: make(map[string]int, size)}
}

func (l *lister) add(ch scanChunkOf) error {
	kv := ch.kv
	for i := 0; i+1 < len(kv); i += 2 {
		c, err := decodeEntry(kv[i], kv[i+1])
		if err != nil {
			return err
		}
		if i/2 < len(ch.subs) {
			c.Subject, _ = ch.subs[i/2].(string)
		}
		if c.Expired(l.now) {
			continue
		}
		if j, ok := l.seen[kv[i]]; ok {
			l.out[j] = l.out[j].Merge(c)
			continue
		}
		l.seen[kv[i]] = len(l.out)
		l.out = append(l.out, c)
	}
	return nil
}

// sweepGrace is how long past its expiry by Redis's clock an entry stays
// before a sweep removes it, so that an instance whose clock runs ahead
// never sweeps an entry that others still need.
const sweepGrace = time.Second

// sweepBatch bounds the work of one sweep script, so that Redis stays
// responsive while a large backlog is swept.
const sweepBatch = 1000

// Sweep removes the entries that expired at now from the hash and the
// expiry index (the entry keys expire by themselves, and are deleted too
// so that IsCancelled agrees with now), in batches.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := sweepScript.Run(ctx, s.rdb, []string{s.k.all(), s.k.expiry(), s.k.subjects()},
			now.UnixMilli(), sweepBatch, s.k.entryPrefix(), sweepGrace.Milliseconds()).Int()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return total, unavailable(err, "cannot sweep the cancelled set")
		}
		if total += n; n < sweepBatch {
			return total, nil
		}
	}
}
