package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/redis"
)

// The stores of backup, restore and migrate. They never create the store
// they read: a missing embedded store is an error that names the
// directory, not a new empty store silently backed up or migrated.

// storeFile is the embedded store's file in a data directory.
func storeFile(dir string) string { return filepath.Join(dir, "tokenmanager.db") }

// isURL reports whether a --store, --from or --to value names a shared
// store rather than a data directory.
func isURL(s string) bool { return strings.Contains(s, "://") }

// exportStore is a store that backup and migrate read.
type exportStore interface {
	tokenmanager.Exporter
	Close() error
}

// openSource opens the store to read: from (a Redis URL or a data
// directory) when set, else --store, else the embedded store in --data-dir.
// An embedded store is opened read-only: it must exist, and it is refused
// while a server holds it.
func openSource(ctx context.Context, c *Config, from string) (exportStore, func(), error) {
	switch {
	case from == "" && c.Store != "":
		from = c.Store
	case from == "":
		from = c.DataDir
	}
	if isURL(from) {
		s, err := openRedis(ctx, from)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	path := storeFile(from)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no store in %s (no %s): check --data-dir", from, filepath.Base(path))
	}
	s, err := bolt.OpenReadOnly(path)
	if err != nil {
		return nil, nil, errors.New(tokenmanager.ErrorMessage(err))
	}
	return s, func() { s.Close() }, nil
}

// openRedis opens the Redis store at url and checks that Redis answers
// and that its format is one this binary reads.
func openRedis(ctx context.Context, url string) (*redis.Store, error) {
	s, err := redis.Open(ctx, url, redis.WithLogger(newLogger(&Config{LogFormat: "text", LogLevel: "error"}, os.Stderr)))
	if err != nil {
		return nil, fmt.Errorf("%s: %s", redis.Redact(url), tokenmanager.ErrorMessage(err))
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.UpgradeFormat(pctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %s", redis.Redact(url), tokenmanager.ErrorMessage(err))
	}
	return s, nil
}

// refuseRunningServer fails when a server answers on the admin socket of
// c's data directory: restore and migrate need it stopped.
func refuseRunningServer(ctx context.Context, c *Config, what string) error {
	sock := adminSocketPath(c)
	if sock == "" {
		return nil
	}
	res, err := socketGet(ctx, sock, "/healthz")
	if err != nil {
		return nil
	}
	res.Body.Close()
	return fmt.Errorf("a server is running on %s (its admin socket %s answers): stop it before %s", c.DataDir, sock, what)
}

// unixClient is an HTTP client of the admin socket at sock.
func unixClient(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
}

// printJSON writes v indented, as the other operator commands answer.
func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
