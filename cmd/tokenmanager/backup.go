package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// Backups. The embedded store's backup is a copy of its bbolt file, made
// from one read transaction (bolt.Store.Backup), so it is the store as of
// one instant while the server goes on writing; it is itself a store file.
// The Redis store's backup is a dump (tokenmanager.WriteDump) of the same
// logical content: key set, accounts, live sessions and cancellations.
// Redis's own persistence (AOF, RDB snapshots) remains the way to back up
// a Redis server as a whole; the dump is for moving between stores and for
// a copy that tokenmanager can check and restore.

// Content types of the admin socket's GET /admin/backup.
const (
	typeBoltFile = "application/vnd.tokenmanager.bolt"
	typeDump     = "application/x-ndjson"
)

// backupCommand is `tokenmanager backup FILE`: through the running
// server's admin socket, or from the store itself when no server runs.
func backupCommand(ctx context.Context, args []string, out io.Writer) error {
	c, fs, err := parseConfig("backup", args, os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("want exactly one argument, the backup file (see --help)")
	}
	file := fs.Arg(0)
	kind, err := writeAtomically(file, func(w io.Writer) (string, error) { return backupTo(ctx, c, w) })
	if err != nil {
		return err
	}
	return printJSON(out, map[string]any{"file": file, "format": kind})
}

// backupTo writes the backup to w and returns its content type.
func backupTo(ctx context.Context, c *Config, w io.Writer) (string, error) {
	if sock := adminSocketPath(c); sock != "" {
		kind, err := streamSocket(ctx, sock, "/admin/backup", w)
		if !errors.Is(err, errNoServer) {
			return kind, err
		}
	}
	src, closeSrc, err := openSource(ctx, c, "")
	if err != nil {
		return "", err
	}
	defer closeSrc()
	return writeBackup(ctx, src, func(kind string, size int64) io.Writer { return w })
}

// writeBackup writes a backup of s: a copy of the file of a store that can
// make one, a dump of any other. start is called once, before the first
// byte, with the content type and the size (-1 when unknown).
func writeBackup(ctx context.Context, s tokenmanager.Exporter, start func(kind string, size int64) io.Writer) (string, error) {
	if b, ok := s.(interface {
		Backup(context.Context, func(int64, io.WriterTo) error) error
	}); ok {
		return typeBoltFile, b.Backup(ctx, func(size int64, copy io.WriterTo) error {
			_, err := copy.WriteTo(start(typeBoltFile, size))
			return err
		})
	}
	return typeDump, tokenmanager.WriteDump(ctx, start(typeDump, -1), s, time.Now())
}

// handleBackup is GET /admin/backup on the admin socket: the running
// server's backup, streamed. A bolt copy carries its Content-Length and a
// dump its end line, so a copy cut short is detected by the client.
func (m *Main) handleBackup(w http.ResponseWriter, r *http.Request) {
	ex, ok := m.store.(tokenmanager.Exporter)
	if !ok {
		http.Error(w, `{"error":"invalid_request","error_description":"this store cannot be backed up"}`, http.StatusBadRequest)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{}) // a large store takes longer than the admin server's timeout
	started := false
	_, err := writeBackup(r.Context(), ex, func(kind string, size int64) io.Writer {
		started = true
		w.Header().Set("Content-Type", kind)
		if size >= 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		return w
	})
	if err != nil {
		m.Logger.Error("backup failed", "err", err)
		if !started {
			http.Error(w, `{"error":"temporarily_unavailable","error_description":"the backup failed"}`, http.StatusServiceUnavailable)
		}
	}
}

// streamSocket GETs path on the admin socket and copies a 200 answer's
// body to w, failing when it is shorter than its Content-Length.
func streamSocket(ctx context.Context, sock, path string, w io.Writer) (string, error) {
	res, err := socketGet(ctx, sock, path)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		return "", fmt.Errorf("the server answered %s: %s", res.Status, bytes.TrimSpace(body))
	}
	n, err := io.Copy(w, res.Body)
	if err == nil && res.ContentLength >= 0 && n != res.ContentLength {
		err = fmt.Errorf("the backup was cut short: %d of %d bytes", n, res.ContentLength)
	}
	return res.Header.Get("Content-Type"), err
}

// socketGet sends a GET to the admin socket, with no overall timeout (a
// backup streams for as long as the store is large).
func socketGet(ctx context.Context, sock, path string) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, "GET", "http://admin"+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := unixClient(sock).Do(r)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", errNoServer, err)
	}
	return res, nil
}

// writeAtomically writes file through write into a temporary file beside
// it, checks what was written, fsyncs it and renames it into place, so
// that FILE is either a whole, readable backup or not there at all.
func writeAtomically(file string, write func(io.Writer) (string, error)) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := tmp.Chmod(0o600); err != nil { // it holds password hashes and private keys
		return "", err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	kind, err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		return "", err
	}
	if err := checkBackup(tmp.Name()); err != nil {
		return "", fmt.Errorf("the backup written is not usable: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return "", err
	}
	return backupKind(kind), syncDir(filepath.Dir(file))
}

// backupKind names a content type in the command's output.
func backupKind(contentType string) string {
	if contentType == typeBoltFile {
		return "embedded store file"
	}
	return "dump"
}

// checkBackup reads a backup file through: a store file must open, a dump
// must parse to its end line.
func checkBackup(path string) error {
	src, closeSrc, err := openBackup(path)
	if err != nil {
		return err
	}
	defer closeSrc()
	return src.Export(context.Background(), time.Now(), func(tokenmanager.Record) error { return nil })
}

// openBackup returns an Exporter of a backup file, either kind.
func openBackup(path string) (tokenmanager.Exporter, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	head := make([]byte, 1)
	_, _ = io.ReadFull(f, head)
	if head[0] == '{' {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, nil, err
		}
		return tokenmanager.DumpReader(f), func() { f.Close() }, nil
	}
	f.Close()
	s, err := bolt.OpenReadOnly(path)
	if err != nil {
		return nil, nil, errors.New(tokenmanager.ErrorMessage(err))
	}
	return s, func() { s.Close() }, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
