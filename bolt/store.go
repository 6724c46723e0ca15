// Package bolt is the embedded store: everything the server keeps, in one
// bbolt file in the data directory, so that a single machine needs nothing
// else installed.
//
// Every write is one bbolt transaction, and bbolt fsyncs each commit, so a
// call that returned nil is on disk: a cancellation survives a kill -9 right
// after Cancel returns. Only one process can open the file at a time.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tokenmanager/tokenmanager"
)

// Bucket names. Each holds one kind of record; the *Expiry and
// sessionSubjects buckets are indexes kept in the same transactions as the
// records they point to.
var (
	bucketMeta          = []byte("meta")
	bucketAccounts      = []byte("accounts")          // canonical username -> account
	bucketSessions      = []byte("sessions")          // session id -> session
	bucketSessionSubj   = []byte("session_subjects")  // subject index -> nothing
	bucketSessionExpiry = []byte("session_expiry")    // expiry index -> nothing
	bucketCancels       = []byte("cancellations")     // Cancellation.Key() -> cancellation
	bucketCancelExpiry  = []byte("cancel_expiry")     // expiry index -> nothing
	bucketKeys          = []byte("keyset")            // keyKeySet -> key set
	bucketSkeletons     = []byte("account_skeletons") // UsernameSkeleton -> canonical username

	allBuckets = [][]byte{bucketMeta, bucketAccounts, bucketSessions, bucketSessionSubj,
		bucketSessionExpiry, bucketCancels, bucketCancelExpiry, bucketKeys, bucketSkeletons}
)

// lockTimeout is how long Open waits for the file lock before it says that
// another process holds it, instead of hanging.
const lockTimeout = time.Second

// Store is the embedded tokenmanager.Store, kept in one bbolt file.
type Store struct {
	db     *bbolt.DB
	group  group      // commits concurrent durable writes together (group.go)
	writes writeState // tells when writes fail for want of room (diskfull.go)
}

var _ tokenmanager.Store = (*Store)(nil)

// Open opens the store at path, creating the file (mode 0600: it holds
// password hashes and signing keys) and its parent directory (0700) when
// they do not exist. When another process has the file open, Open fails
// after a second with an EUnavailable error that says so.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot create the store's directory")
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, tokenmanager.Wrap(tokenmanager.EUnavailable, fmt.Errorf("%s: %w", path, err),
			"store is locked by another process (is the server running?)")
	} else if err != nil {
		return nil, tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot open the store "+path)
	}
	s := &Store{db: db, group: group{db: db, arrived: make(chan struct{}, 1)}}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// init creates the buckets of a new file, checks the format of an
// existing one and upgrades an older one (format.go), in one transaction.
func (s *Store) init() error {
	return s.update(context.Background(), func(tx *bbolt.Tx) error {
		if err := checkFormat(tx, s.db.Path()); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot create the store's buckets")
			}
		}
		return upgradeFormat(tx)
	})
}

// Close releases the file and its lock.
func (s *Store) Close() error { return s.db.Close() }

// Ping reports whether the store can still be read: it fails once the
// store is closed.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return tokenmanager.Errorf(tokenmanager.EUnavailable, "the store has no bucket %q", name)
			}
		}
		return nil
	})
}

// update runs fn in a write transaction, committed (and fsynced) when fn
// returns nil. fn's own error is returned as it is; a failure to begin or
// commit means the disk failed, and is EUnavailable: nothing was stored.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	err := s.run(ctx, s.db.Update, fn)
	s.writes.observe(err)
	return err
}

// view runs fn in a read transaction, with update's error rules.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	return s.run(ctx, s.db.View, fn)
}

func (s *Store) run(ctx context.Context, tx func(func(*bbolt.Tx) error) error, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "the request ended before the store was asked")
	}
	var fnErr error
	err := tx(func(tx *bbolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	} else if err != nil {
		return fileError(err)
	}
	return nil
}

// put stores v under k, turning bbolt's refusals (an empty or oversized
// key or value) into EInvalid.
func put(b *bbolt.Bucket, k, v []byte) error {
	err := b.Put(k, v)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrKeyRequired), errors.Is(err, berrors.ErrKeyTooLarge),
		errors.Is(err, berrors.ErrValueTooLarge):
		return tokenmanager.Wrap(tokenmanager.EInvalid, err, "the record cannot be stored: empty or too large")
	}
	return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot store the record")
}

// del deletes k, which may be missing.
func del(b *bbolt.Bucket, k []byte) error {
	if err := b.Delete(k); err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot delete the record")
	}
	return nil
}
