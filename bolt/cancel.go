package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// Cancel stores c under c.Key(), merged with the entry already there
// (later cut-off, later expiry). It returns once the commit is fsynced, so
// an acknowledged cancellation survives a crash; concurrent cancellations
// share commits (group.go).
func (s *Store) Cancel(ctx context.Context, c tokenmanager.Cancellation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.durable(ctx, func(tx *bbolt.Tx) error { return putCancellation(tx, c) })
}

func putCancellation(tx *bbolt.Tx, c tokenmanager.Cancellation) error {
	key := []byte(c.Key())
	old, err := getCancellation(tx, key)
	if err != nil {
		return err
	}
	if old != nil {
		if err := unindexExpiry(tx, bucketCancelExpiry, old.ExpiresAt, key); err != nil {
			return err
		}
		c = old.Merge(c)
	}
	v, err := encode(c)
	if err != nil {
		return err
	}
	if err := put(tx.Bucket(bucketCancels), key, v); err != nil {
		return err
	}
	return indexExpiry(tx, bucketCancelExpiry, c.ExpiresAt, key)
}

// getCancellation returns the entry stored under key, or nil.
func getCancellation(tx *bbolt.Tx, key []byte) (*tokenmanager.Cancellation, error) {
	v := tx.Bucket(bucketCancels).Get(key)
	if v == nil {
		return nil, nil
	}
	var c tokenmanager.Cancellation
	if err := decode(v, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Cancellations returns every entry that has not expired at now, for a
// replica to load.
func (s *Store) Cancellations(ctx context.Context, now time.Time) ([]tokenmanager.Cancellation, error) {
	var cs []tokenmanager.Cancellation
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCancels).ForEach(func(_, v []byte) error {
			var c tokenmanager.Cancellation
			if err := decode(v, &c); err != nil {
				return err
			}
			if !c.Expired(now) {
				cs = append(cs, c)
			}
			return nil
		})
	})
	return cs, err
}

// IsCancelled is the strict check: it answers from the file, in one read
// transaction, exactly as tokenmanager.CancelledSet.Check answers from
// memory. A token is cancelled when its issuer and jti are; or when its
// session or its subject was cancelled with a cut-off after its iat,
// compared in milliseconds as tokens carry it; or the key that signed it
// was revoked.
func (s *Store) IsCancelled(ctx context.Context, c *tokenmanager.Claims) (bool, error) {
	var cancelled bool
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		cancelled, err = isCancelled(tx, c)
		return err
	})
	return cancelled, err
}

func isCancelled(tx *bbolt.Tx, c *tokenmanager.Claims) (bool, error) {
	iat := c.IssuedAt.UnixMilli()
	checks := []struct {
		entry   tokenmanager.Cancellation
		skip    bool
		anyTime bool
	}{
		{entry: tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: c.Issuer, ID: c.ID}, anyTime: true},
		{entry: tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: c.SessionID}, skip: c.SessionID == ""},
		{entry: tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: c.Subject}},
		{entry: tokenmanager.Cancellation{Kind: tokenmanager.KindKey, ID: c.KeyID}, skip: c.KeyID == "", anyTime: true},
	}
	for _, ch := range checks {
		if ch.skip {
			continue
		}
		e, err := getCancellation(tx, []byte(ch.entry.Key()))
		if err != nil {
			return false, err
		}
		if e != nil && (ch.anyTime || iat < e.Before.UnixMilli()) {
			return true, nil
		}
	}
	return false, nil
}

// Sweep removes the cancellations and the sessions that expired at now,
// in one transaction, and returns how many cancellations it removed. The
// replica calls it periodically, so the file does not grow without bound.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		if n, err = sweepCancellations(tx, now); err != nil {
			return err
		}
		if err := sweepStatusLists(tx, now); err != nil {
			return err
		}
		return sweepSessions(tx, now)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func sweepCancellations(tx *bbolt.Tx, now time.Time) (int, error) {
	n := 0
	for _, d := range due(tx, bucketCancelExpiry, now) {
		removed, err := sweepCancellation(tx, d, now)
		if err != nil {
			return 0, err
		} else if removed {
			n++
		}
	}
	return n, nil
}

// sweepCancellation removes the entry d names if it expired at now, and
// reports whether it did.
func sweepCancellation(tx *bbolt.Tx, d dueEntry, now time.Time) (bool, error) {
	c, err := getCancellation(tx, d.key)
	switch {
	case err != nil:
		return false, err
	case c == nil: // an orphaned index entry
		return false, del(tx.Bucket(bucketCancelExpiry), d.index)
	case !c.Expired(now): // later in the same millisecond
		return false, nil
	}
	if err := del(tx.Bucket(bucketCancels), d.key); err != nil {
		return false, err
	}
	return true, del(tx.Bucket(bucketCancelExpiry), d.index)
}
