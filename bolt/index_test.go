package bolt

import (
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// TestIndexes checks, from inside, that every index entry names a record
// whose fields give that very entry, and that every record has its
// entries: an orphan would never be swept and the file would only grow.
func TestIndexes(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "tokenmanager.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, now := t.Context(), time.Now().Truncate(time.Millisecond)
	session := func(id string, exp time.Duration) *tokenmanager.Session {
		return &tokenmanager.Session{ID: id, Subject: "alice", CreatedAt: now, RefreshExpiresAt: now.Add(exp)}
	}
	cancel := func(id string, exp time.Duration) tokenmanager.Cancellation {
		return tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: id, Before: now, ExpiresAt: now.Add(exp)}
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"CreateSessions", func() error {
			return firstErr(s.CreateSession(ctx, session("s1", time.Hour)),
				s.CreateSession(ctx, session("s2", time.Minute)), s.CreateSession(ctx, session("s3", time.Hour)))
		}},
		{"UpdateMovesSubjectAndExpiry", func() error {
			_, err := s.UpdateSession(ctx, "s1", func(x *tokenmanager.Session) error {
				x.Subject, x.RefreshExpiresAt = "bob", now.Add(2*time.Hour)
				return nil
			})
			return err
		}},
		{"DeleteSession", func() error { return s.DeleteSession(ctx, "s3") }},
		{"Cancel", func() error {
			return firstErr(s.Cancel(ctx, cancel("a", time.Minute)), s.Cancel(ctx, cancel("b", time.Hour)))
		}},
		{"MergeMovesExpiry", func() error { return s.Cancel(ctx, cancel("a", 3*time.Hour)) }},
		{"Sweep", func() error { _, err := s.Sweep(ctx, now.Add(90*time.Minute)); return err }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if err := s.db.View(func(tx *bbolt.Tx) error { return checkIndexes(t, tx) }); err != nil {
			t.Fatalf("after %s: %v", st.name, err)
		}
	}
	wantIndexed(t, s, bucketSessionSubj, subjectKey("bob", "s1"))
	wantIndexed(t, s, bucketSessionExpiry, expiryKey(now.Add(2*time.Hour), []byte("s1")))
	wantIndexed(t, s, bucketCancelExpiry, expiryKey(now.Add(3*time.Hour), []byte(cancel("a", 0).Key())))
}

// checkIndexes reports any index entry without its record and any record
// without its entries.
func checkIndexes(t *testing.T, tx *bbolt.Tx) error {
	t.Helper()
	want := map[string]map[string]bool{
		string(bucketSessionSubj): {}, string(bucketSessionExpiry): {}, string(bucketCancelExpiry): {},
	}
	err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		x, err := decodeSession(v)
		if err != nil {
			return err
		}
		want[string(bucketSessionSubj)][string(subjectKey(x.Subject, x.ID))] = true
		want[string(bucketSessionExpiry)][string(expiryKey(x.RefreshExpiresAt, k))] = true
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketCancels).ForEach(func(k, v []byte) error {
		var c tokenmanager.Cancellation
		if err := decode(v, &c); err != nil {
			return err
		}
		want[string(bucketCancelExpiry)][string(expiryKey(c.ExpiresAt, k))] = true
		return nil
	})
	if err != nil {
		return err
	}
	for bucket, entries := range want {
		got := map[string]bool{}
		tx.Bucket([]byte(bucket)).ForEach(func(k, _ []byte) error { got[string(k)] = true; return nil })
		for k := range got {
			if !entries[k] {
				t.Errorf("%s has an orphaned entry %q", bucket, k)
			}
		}
		for k := range entries {
			if !got[k] {
				t.Errorf("%s lacks the entry %q", bucket, k)
			}
		}
	}
	return nil
}

func wantIndexed(t *testing.T, s *Store, bucket, key []byte) {
	t.Helper()
	s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucket).Get(key) == nil {
			t.Errorf("%s lacks %q", bucket, key)
		}
		return nil
	})
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
