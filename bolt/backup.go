package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tokenmanager/tokenmanager"
)

// Backup calls fn with the size and the bytes of a consistent copy of the
// whole file, from one read transaction: writers go on meanwhile, and the
// copy is the store as of the moment Backup began. The copy is itself a
// store file, which Open reads as it is; every bucket, present and future,
// is in it.
func (s *Store) Backup(ctx context.Context, fn func(size int64, copy io.WriterTo) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error { return fn(tx.Size(), tx) })
}

// CheckFile opens the store file at path read-only (it is never created
// or changed) and reports whether this binary can use it: a bbolt file of
// a format it reads, with every bucket of the store. restore calls it on a
// backup before it replaces anything.
func CheckFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return tokenmanager.Wrap(tokenmanager.ENotFound, err, "no store file "+path)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, path+" is locked by another process (is the server running?)")
	} else if err != nil {
		return tokenmanager.Wrap(tokenmanager.EInvalid, err, path+" is not a tokenmanager store file")
	}
	defer db.Close()
	return db.View(func(tx *bbolt.Tx) error {
		if err := checkFormat(tx, path); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return tokenmanager.Errorf(tokenmanager.EInvalid, "%s is not a tokenmanager store file (no bucket %q)", path, name)
			}
		}
		return nil
	})
}

// OpenReadOnly opens an existing store file for reading only (export and
// migrate read a backup or a stopped server's store with it). It shares
// the file with other readers, never creates it, and refuses a newer
// format; any write fails.
func OpenReadOnly(path string) (*Store, error) {
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return nil, tokenmanager.Wrap(tokenmanager.EUnavailable, fmt.Errorf("%s: %w", path, err), "cannot open the store")
	}
	return &Store{db: db}, nil
}
