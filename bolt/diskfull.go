package bolt

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/tokenmanager/tokenmanager"
)

// fileError is the error of a transaction that bbolt could not begin or
// commit: EUnavailable (nothing was stored, the caller may retry, and the
// HTTP layer answers 503). A full disk or a file-size limit says so, since
// that is what the operator must fix; writes work again once there is
// room, with no restart. bbolt formats some of these errors as text (the
// file resize of a growing store), so the text is checked too.
func fileError(err error) error {
	if diskFull(err) {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err,
			"the store cannot write: its disk is full (or a file size limit is reached); nothing was stored")
	}
	return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "the store cannot read or write its file")
}

// fullErrnos are the errors of a write that found no room.
var fullErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EFBIG, syscall.EDQUOT}

func diskFull(err error) bool {
	for _, e := range fullErrnos {
		if errors.Is(err, e) || strings.Contains(err.Error(), e.Error()) {
			return true
		}
	}
	return false
}

// writeState tells the operator, once, that writes started failing for
// want of room and, once, that they work again: a full disk fails every
// write (each also logged with its request), and these two lines say what
// happened and when it ended.
type writeState struct {
	failing atomic.Bool
	log     atomic.Pointer[slog.Logger]
}

// SetLogger sets where the store logs that its writes fail for want of
// room, and that they work again. Without it the store does not log.
func (s *Store) SetLogger(l *slog.Logger) { s.writes.log.Store(l) }

// WriteFailing reports whether the last write failed for want of room.
// Reads, and so token verification, go on meanwhile.
func (s *Store) WriteFailing() bool { return s.writes.failing.Load() }

// observe records the outcome of a write transaction: only a commit
// proves there is room again, and only a failure for want of room counts
// (a write refused for its content does not).
func (w *writeState) observe(err error) {
	switch {
	case err == nil:
		if w.failing.CompareAndSwap(true, false) {
			w.logf(slog.LevelInfo, "the embedded store can write again: writes are acknowledged as before")
		}
	case diskFull(err) && w.failing.CompareAndSwap(false, true):
		w.logf(slog.LevelError, "THE EMBEDDED STORE CANNOT WRITE: its disk is full (or a file size limit is reached). "+
			"Writes (sign-up, sign-in, refresh, cancellations) get 503 and nothing unacknowledged is stored; "+
			"token verification goes on. Free space: writes work again at once, with no restart.", "err", err)
	}
}

func (w *writeState) logf(level slog.Level, msg string, args ...any) {
	if l := w.log.Load(); l != nil {
		l.Log(context.Background(), level, msg, args...)
	}
}
