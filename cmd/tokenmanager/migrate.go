package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/redis"
)

// migrateCommand is `tokenmanager migrate --to redis://…` (from the
// embedded store of --data-dir) and `migrate --from redis://… --to DIR`:
// it copies the key set, the accounts, the live sessions (with their
// refresh token hashes) and the live cancellations, so that every token
// keeps working or stays refused and nobody is signed out. The source is
// read, never changed; the target must be empty (a Redis with no key set,
// a directory with no store). Stop the servers first: what they write
// during the copy may be missed.
func migrateCommand(ctx context.Context, args []string, out io.Writer) error {
	var from, to string
	c, fs, err := parseConfigWith("migrate", args, os.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "store to copy: redis://… or a data directory (default: --store, else the embedded store in --data-dir)")
		fs.StringVar(&to, "to", "", "store to fill: redis://… or a data directory (required; must hold no store)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || to == "" {
		return errors.New("want --to redis://… or --to DIR, and no argument (see --help)")
	}
	if err := refuseServerOn(ctx, c, from); err != nil {
		return err
	}
	src, closeSrc, err := openSource(ctx, c, from)
	if err != nil {
		return err
	}
	defer closeSrc()
	n, err := migrateTo(ctx, src, to)
	if err != nil {
		return err
	}
	return printJSON(out, map[string]any{"to": redactTarget(to), "copied": n})
}

// refuseServerOn fails when the source is an embedded store that a server
// is running on.
func refuseServerOn(ctx context.Context, c *Config, from string) error {
	if isURL(from) || (from == "" && c.Store != "") {
		return nil
	}
	cc := *c
	if from != "" {
		cc.DataDir = from
	}
	return refuseRunningServer(ctx, &cc, "a migration")
}

// migrateTo imports what src exports into the store named by to.
func migrateTo(ctx context.Context, src tokenmanager.Exporter, to string) (tokenmanager.ImportCounts, error) {
	if isURL(to) {
		dst, err := openRedis(ctx, to)
		if err != nil {
			return tokenmanager.ImportCounts{}, err
		}
		defer dst.Close()
		return importInto(ctx, dst, src)
	}
	return migrateToDir(ctx, src, to)
}

// migrateToDir builds the embedded store of dir beside its final name and
// renames it into place once complete, so that a failed migration leaves
// no half-filled store for a server to start on.
func migrateToDir(ctx context.Context, src tokenmanager.Exporter, dir string) (tokenmanager.ImportCounts, error) {
	path := storeFile(dir)
	if _, err := os.Stat(path); err == nil {
		return tokenmanager.ImportCounts{}, fmt.Errorf("%s already holds a store: migrate only into an empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tokenmanager.ImportCounts{}, err
	}
	tmp := path + ".migrate"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp)
	if err != nil {
		return tokenmanager.ImportCounts{}, err
	}
	n, err := importInto(ctx, dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, err
	}
	return n, syncDir(dir)
}

func importInto(ctx context.Context, dst tokenmanager.Store, src tokenmanager.Exporter) (tokenmanager.ImportCounts, error) {
	n, err := tokenmanager.Import(ctx, dst, src, time.Now())
	if err != nil {
		return n, errors.New(tokenmanager.ErrorMessage(err))
	}
	return n, nil
}

// redactTarget never prints a Redis password.
func redactTarget(to string) string {
	if isURL(to) {
		return redis.Redact(to)
	}
	return to
}
