package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// restoreCommand is `tokenmanager restore FILE`, with the server stopped:
// it puts a backup (either kind) back as the store of --data-dir, keeping
// the store it replaces beside it, or loads it into an empty Redis
// (--store). It checks the whole backup before it changes anything. It is
// the one operator command that may create a store: restoring onto a new
// machine is what it is for.
func restoreCommand(ctx context.Context, args []string, out io.Writer) error {
	c, fs, err := parseConfig("restore", args, os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("want exactly one argument, the backup file (see --help)")
	}
	file := fs.Arg(0)
	if err := checkBackup(file); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if c.Store != "" {
		return restoreShared(ctx, c.Store, file, out)
	}
	if err := refuseRunningServer(ctx, c, "a restore"); err != nil {
		return err
	}
	return restoreEmbedded(ctx, c.DataDir, file, out)
}

// restoreEmbedded replaces the store of dir with the backup in file. The
// current store's file lock is held throughout, so that a server started
// meanwhile cannot open the file being replaced; the old file is kept as
// tokenmanager.db.before-restore.
func restoreEmbedded(ctx context.Context, dir, file string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := storeFile(dir)
	unlock, err := lockExisting(path)
	if err != nil {
		return err
	}
	defer unlock()
	tmp := path + ".restore"
	n, err := buildStore(ctx, tmp, file)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	previous := ""
	if _, err := os.Stat(path); err == nil {
		previous = path + ".before-restore"
		if err := os.Rename(path, previous); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	res := map[string]any{"restored": path, "from": file}
	if previous != "" {
		res["previous"] = previous
	}
	if n != nil {
		res["records"] = n
	}
	return printJSON(out, res)
}

// buildStore writes the store file path from a backup: a copy of a store
// file, or a new store that a dump is imported into. It returns what a
// dump held (nil for a copied file).
func buildStore(ctx context.Context, path, file string) (*tokenmanager.ImportCounts, error) {
	os.Remove(path)
	src, closeSrc, err := openBackup(file)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	if _, isFile := src.(*bolt.Store); isFile {
		return nil, copyFile(ctx, src.(*bolt.Store), path)
	}
	s, err := bolt.Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	n, err := tokenmanager.Import(ctx, s, src, time.Now())
	if err != nil {
		return nil, errors.New(tokenmanager.ErrorMessage(err))
	}
	return &n, nil
}

// copyFile writes a consistent copy of the store s to path and fsyncs it.
func copyFile(ctx context.Context, s *bolt.Store, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	err = s.Backup(ctx, func(_ int64, copy io.WriterTo) error {
		_, err := copy.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = bolt.CheckFile(path)
	}
	return err
}

// lockExisting takes the file lock that bbolt takes (flock, exclusive) on
// the store at path, if there is one, failing at once when a server holds
// it. The returned function releases it.
func lockExisting(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return func() {}, nil
	} else if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use (is a server running on it?): stop it before a restore", path)
	}
	return func() { f.Close() }, nil
}

// restoreShared loads a backup into the Redis store at url, which must be
// empty: stop every instance, and FLUSHDB (or use a new database) first.
func restoreShared(ctx context.Context, url, file string, out io.Writer) error {
	dst, err := openRedis(ctx, url)
	if err != nil {
		return err
	}
	defer dst.Close()
	src, closeSrc, err := openBackup(file)
	if err != nil {
		return err
	}
	defer closeSrc()
	n, err := tokenmanager.Import(ctx, dst, src, time.Now())
	if err != nil {
		return errors.New(tokenmanager.ErrorMessage(err))
	}
	return printJSON(out, map[string]any{"restored": "redis", "from": file, "records": n})
}
