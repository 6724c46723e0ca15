package bolt

import (
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// TestSkeletonBackfill: a store written before the skeleton index existed
// (accounts, an empty index) gets its accounts indexed when opened, so a
// look-alike of an old account is refused too.
func TestSkeletonBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenmanager.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	acc := &tokenmanager.Account{Username: "admin", PasswordHash: "h", CreatedAt: time.Now()}
	if err := s.CreateAccount(t.Context(), acc); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error { // as an older version (format 1) left it
		if err := tx.Bucket(bucketMeta).Put(keyVersion, []byte("1")); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketSkeletons); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucketSkeletons)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.CreateAccount(t.Context(), &tokenmanager.Account{Username: "admın", PasswordHash: "h", CreatedAt: time.Now()})
	if tokenmanager.ErrorCode(err) != tokenmanager.EConflict {
		t.Fatalf("a look-alike of an account older than the index: %v, want conflict", err)
	}
}
