package bolt

import (
	"bytes"
	"context"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// CreateSession stores a new session and indexes it by subject and by
// refresh expiry. A session id already stored is EConflict: ids are random,
// so a collision is a bug that must not overwrite another session.
func (s *Store) CreateSession(ctx context.Context, x *tokenmanager.Session) error {
	if x.ID == "" {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the session has no id")
	}
	return s.durable(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketSessions).Get([]byte(x.ID)) != nil {
			return tokenmanager.Errorf(tokenmanager.EConflict, "a session with this id exists")
		}
		return putSession(tx, nil, x)
	})
}

// Session returns the session with that id, or ENotFound.
func (s *Store) Session(ctx context.Context, id string) (*tokenmanager.Session, error) {
	var x *tokenmanager.Session
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		x, err = mustGetSession(tx, id)
		return err
	})
	return x, err
}

// UpdateSession applies fn to the stored session inside one write
// transaction. bbolt runs one writer at a time, so fn always sees the last
// committed record and no update is lost. An error from fn is returned as
// it is, and its changes are rolled back. fn must not call the store, and
// may be called more than once (the write is committed with concurrent
// ones, and run again if one of those fails): it must derive the session
// it returns from the one it is given.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(*tokenmanager.Session) error) (*tokenmanager.Session, error) {
	var x *tokenmanager.Session
	err := s.durable(ctx, func(tx *bbolt.Tx) error {
		old, err := mustGetSession(tx, id)
		if err != nil {
			return err
		}
		x, _ = mustGetSession(tx, id) // a copy fn may change
		if err := fn(x); err != nil {
			return err
		}
		if x.ID != id {
			return tokenmanager.Errorf(tokenmanager.EInvalid, "UpdateSession cannot change a session's id")
		}
		return putSession(tx, old, x)
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// DeleteSession removes a session and its index entries; a missing one is
// not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.durable(ctx, func(tx *bbolt.Tx) error {
		x, err := getSession(tx, []byte(id))
		if err != nil || x == nil {
			return err
		}
		return deleteSession(tx, x)
	})
}

// Sessions returns the subject's sessions, oldest first, from the subject
// index: it reads only that subject's records.
func (s *Store) Sessions(ctx context.Context, subject string) ([]*tokenmanager.Session, error) {
	var ss []*tokenmanager.Session
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		prefix := subjectPrefix(subject)
		c := tx.Bucket(bucketSessionSubj).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			x, err := getSession(tx, k[len(prefix):])
			if err != nil {
				return err
			}
			if x != nil {
				ss = append(ss, x)
			}
		}
		return nil
	})
	slices.SortStableFunc(ss, func(a, b *tokenmanager.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return ss, err
}

// putSession stores x, replacing old (nil for a new session) and moving
// its index entries if the subject or the expiry changed.
func putSession(tx *bbolt.Tx, old, x *tokenmanager.Session) error {
	if old != nil {
		if err := unindexSession(tx, old); err != nil {
			return err
		}
	}
	v, err := encodeSession(x)
	if err != nil {
		return err
	}
	if err := put(tx.Bucket(bucketSessions), []byte(x.ID), v); err != nil {
		return err
	}
	if err := put(tx.Bucket(bucketSessionSubj), subjectKey(x.Subject, x.ID), []byte{}); err != nil {
		return err
	}
	return indexExpiry(tx, bucketSessionExpiry, x.RefreshExpiresAt, []byte(x.ID))
}

func deleteSession(tx *bbolt.Tx, x *tokenmanager.Session) error {
	if err := unindexSession(tx, x); err != nil {
		return err
	}
	return del(tx.Bucket(bucketSessions), []byte(x.ID))
}

func unindexSession(tx *bbolt.Tx, x *tokenmanager.Session) error {
	if err := del(tx.Bucket(bucketSessionSubj), subjectKey(x.Subject, x.ID)); err != nil {
		return err
	}
	return unindexExpiry(tx, bucketSessionExpiry, x.RefreshExpiresAt, []byte(x.ID))
}

// getSession returns the session stored under id, or nil.
func getSession(tx *bbolt.Tx, id []byte) (*tokenmanager.Session, error) {
	v := tx.Bucket(bucketSessions).Get(id)
	if v == nil {
		return nil, nil
	}
	return decodeSession(v)
}

// mustGetSession is getSession with ENotFound for a missing session.
func mustGetSession(tx *bbolt.Tx, id string) (*tokenmanager.Session, error) {
	x, err := getSession(tx, []byte(id))
	if err == nil && x == nil {
		err = tokenmanager.Errorf(tokenmanager.ENotFound, "no such session")
	}
	return x, err
}

// sweepSessions drops the sessions whose refresh token expired at now:
// nothing can use them any more.
func sweepSessions(tx *bbolt.Tx, now time.Time) error {
	for _, d := range due(tx, bucketSessionExpiry, now) {
		x, err := getSession(tx, d.key)
		switch {
		case err != nil:
			return err
		case x == nil: // an orphaned index entry
			err = del(tx.Bucket(bucketSessionExpiry), d.index)
		case x.Expired(now):
			err = deleteSession(tx, x)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
