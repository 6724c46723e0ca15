package bolt

import (
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "tokenmanager.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// putMeta returns a write that stores key in the meta bucket, counting
// its runs, and then fails with fail (nil: succeeds) or panics.
func putMeta(key string, runs *int, fail error, panics bool) *write {
	return &write{wake: make(chan struct{}, 1), fn: func(tx *bbolt.Tx) error {
		*runs++
		if err := tx.Bucket(bucketMeta).Put([]byte(key), []byte("v")); err != nil {
			return err
		}
		if panics {
			panic("boom")
		}
		return fail
	}}
}

func hasMeta(t *testing.T, s *Store, key string) bool {
	var ok bool
	s.db.View(func(tx *bbolt.Tx) error { ok = tx.Bucket(bucketMeta).Get([]byte(key)) != nil; return nil })
	return ok
}

// TestGroupCommitIsolatesFailures: in one group, a write that fails (or
// panics) after changing the file is taken out with its own error and
// none of its changes; the others are run again and committed together.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fail   error
		panics bool
	}{{"Error", errors.New("refused"), false}, {"Panic", nil, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			var runs [3]int
			batch := []*write{putMeta("a", &runs[0], nil, false), putMeta("b", &runs[1], tc.fail, tc.panics), putMeta("c", &runs[2], nil, false)}
			s.group.commit(batch)
			if batch[0].err != nil || batch[2].err != nil || batch[1].err == nil {
				t.Fatalf("errors %v, %v, %v", batch[0].err, batch[1].err, batch[2].err)
			}
			if tc.panics != (batch[1].panicV != nil) {
				t.Fatalf("panic value %v", batch[1].panicV)
			}
			if !hasMeta(t, s, "a") || hasMeta(t, s, "b") || !hasMeta(t, s, "c") {
				t.Fatalf("stored a %v b %v c %v; want a and c only", hasMeta(t, s, "a"), hasMeta(t, s, "b"), hasMeta(t, s, "c"))
			}
			if runs != [3]int{2, 1, 1} || s.group.commits.Load() != 1 || s.group.writes.Load() != 2 {
				t.Fatalf("runs %v, %d commits of %d writes", runs, s.group.commits.Load(), s.group.writes.Load())
			}
		})
	}
}

// TestGroupCommitConcurrent: 64 writers cancelling at once are all
// acknowledged, all stored, in fewer commits than writes; one writer whose
// write fails meanwhile gets its own error and stops no one.
func TestGroupCommitConcurrent(t *testing.T) {
	s := openTemp(t)
	const writers, each = 64, 10
	exp := time.Now().Add(time.Hour)
	dup := &tokenmanager.Session{ID: "dup", Subject: "alice", RefreshExpiresAt: exp}
	if err := s.CreateSession(t.Context(), dup); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+1)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				c := tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: "iss", ID: strconv.Itoa(w*each + i), ExpiresAt: exp}
				errs <- s.Cancel(t.Context(), c)
			}
		})
	}
	wg.Go(func() {
		if err := s.CreateSession(t.Context(), dup); tokenmanager.ErrorCode(err) != tokenmanager.EConflict {
			errs <- errors.New("a session created twice was not refused: " + tokenmanager.ErrorMessage(err))
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.Cancellations(t.Context(), time.Now())
	if err != nil || len(cs) != writers*each {
		t.Fatalf("%d cancellations stored (%v), want %d", len(cs), err, writers*each)
	}
	if c, w := s.group.commits.Load(), s.group.writes.Load(); w != writers*each+1 || c >= w {
		t.Fatalf("%d writes in %d commits", w, c)
	}
	t.Logf("%d writes in %d commits", s.group.writes.Load(), s.group.commits.Load())
}
