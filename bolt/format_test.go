package bolt_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

// copyTestdata copies a store file of testdata into a temporary directory
// (Open writes to the file) and returns the copy's path.
func copyTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tokenmanager.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setMeta writes (or, with a nil value, deletes) the format version of a
// closed store file, as another version of tokenmanager would have.
func setMeta(t *testing.T, path string, v []byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		if v == nil {
			return tx.Bucket([]byte("meta")).Delete([]byte("version"))
		}
		return tx.Bucket([]byte("meta")).Put([]byte("version"), v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func metaVersion(t *testing.T, path string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	db.View(func(tx *bbolt.Tx) error { v = string(tx.Bucket([]byte("meta")).Get([]byte("version"))); return nil })
	return v
}

// TestFormatTestdata opens the stores kept in testdata, one per format:
// format1.db (written before the username skeleton index) is upgraded on
// open, format2.db (the current format) opens as it is; both keep their
// records. Every later binary must keep opening them.
func TestFormatTestdata(t *testing.T) {
	for _, name := range []string{"format1.db", "format2.db"} {
		t.Run(name, func(t *testing.T) {
			path := copyTestdata(t, name)
			s := mustOpen(t, path)
			checkTestdataStore(t, s)
			s.Close()
			if got := metaVersion(t, path); got != strconv.Itoa(bolt.FormatVersion) {
				t.Fatalf("format after Open = %q, want %d", got, bolt.FormatVersion)
			}
		})
	}
}

// checkTestdataStore checks the records every testdata store holds, and
// that the upgrade to format 2 indexed the old accounts: a look-alike of
// one is refused.
func checkTestdataStore(t *testing.T, s *bolt.Store) {
	t.Helper()
	ctx := t.Context()
	a, err := s.Account(ctx, "alice")
	if err != nil || !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		t.Fatalf("Account(alice) = %+v, %v", a, err)
	}
	x, err := s.Session(ctx, "sess-1")
	if err != nil || x.Generation != 3 || string(x.RefreshHash) != "hash" {
		t.Fatalf("Session(sess-1) = %+v, %v", x, err)
	}
	ks, err := s.KeySet(ctx)
	if err != nil || len(ks.Keys) != 1 || ks.Keys[0].ID != "kid-1" {
		t.Fatalf("KeySet = %+v, %v", ks, err)
	}
	cs, err := s.Cancellations(ctx, time.Now())
	if err != nil || len(cs) != 2 {
		t.Fatalf("Cancellations = %v, %v; want the 2 stored", cs, err)
	}
	cancelled, err := s.IsCancelled(ctx, &tokenmanager.Claims{Issuer: "https://iss", ID: "jti-1", Subject: "alice", IssuedAt: time.Now()})
	if err != nil || !cancelled {
		t.Fatalf("IsCancelled(jti-1) = %v, %v; want true", cancelled, err)
	}
	err = s.CreateAccount(ctx, &tokenmanager.Account{Username: "al\u0131ce", PasswordHash: "h", CreatedAt: time.Now()})
	if tokenmanager.ErrorCode(err) != tokenmanager.EConflict {
		t.Fatalf("a look-alike of an account of the old store: %v, want conflict", err)
	}
}

func TestFormatVersion(t *testing.T) {
	t.Run("NewerRefused", func(t *testing.T) {
		path := copyTestdata(t, "format1.db")
		newer := strconv.Itoa(bolt.FormatVersion + 1)
		setMeta(t, path, []byte(newer))
		_, err := bolt.Open(path)
		if err == nil || !strings.Contains(tokenmanager.ErrorMessage(err), "newer tokenmanager") {
			t.Fatalf("Open of a format-%s store = %v, want a refusal that names a newer tokenmanager", newer, err)
		}
		if got := metaVersion(t, path); got != newer {
			t.Fatalf("the refused file's version became %q: a refusal must not change the file", got)
		}
		if err := bolt.CheckFile(path); err == nil {
			t.Fatal("CheckFile accepted a newer format")
		}
	})
	t.Run("UnreadableRefused", func(t *testing.T) {
		path := copyTestdata(t, "format1.db")
		setMeta(t, path, []byte("one"))
		if _, err := bolt.Open(path); err == nil {
			t.Fatal("Open accepted a format that is not a number")
		}
	})
	t.Run("UnversionedUpgraded", func(t *testing.T) {
		path := copyTestdata(t, "format1.db")
		setMeta(t, path, nil)
		s := mustOpen(t, path)
		_, err := s.Account(t.Context(), "alice")
		s.Close()
		if err != nil {
			t.Fatalf("Account after opening an unversioned store: %v", err)
		}
		if got := metaVersion(t, path); got != strconv.Itoa(bolt.FormatVersion) {
			t.Fatalf("version after Open = %q, want it recorded as %d", got, bolt.FormatVersion)
		}
	})
}
