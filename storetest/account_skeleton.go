package storetest

import (
	"sync"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// testAccountSkeletons checks that a store refuses a name whose confusable
// skeleton is another account's, atomically: of concurrent sign-ups of
// look-alike names exactly one wins, and deleting the account frees the
// skeleton.
func testAccountSkeletons(t *testing.T, open Opener) {
	create := func(t *testing.T, s tokenmanager.Store, name string) error {
		t.Helper()
		return s.CreateAccount(t.Context(), &tokenmanager.Account{Username: name, PasswordHash: "h", CreatedAt: baseTime()})
	}
	t.Run("LookAlikesConflict", func(t *testing.T) {
		s := open(t)
		mustNil(t, create(t, s, "admin"), "CreateAccount admin")
		for _, name := range []string{"admın", "ɑdmin", "\u0430dmin"} {
			wantCode(t, create(t, s, name), tokenmanager.EConflict)
			_, err := s.Account(t.Context(), name)
			wantCode(t, err, tokenmanager.ENotFound)
		}
		mustNil(t, create(t, s, "admins"), "CreateAccount of a name that only resembles")
	})
	t.Run("SameNameStillConflicts", func(t *testing.T) {
		s := open(t)
		mustNil(t, create(t, s, "admin"), "CreateAccount")
		wantCode(t, create(t, s, "admin"), tokenmanager.EConflict)
		mustNil(t, s.DeleteAccount(t.Context(), "admin"), "DeleteAccount")
		mustNil(t, create(t, s, "admın"), "CreateAccount after the first is deleted")
	})
	t.Run("ConcurrentLookAlikes", func(t *testing.T) {
		s := open(t)
		names := []string{"admin", "admın", "ɑdmin", "ɑdmın", "\u0430dmin", "\u0430dmın", "adrnin", "ɑdrnin"}
		errs := make([]error, len(names))
		var wg sync.WaitGroup
		for i, n := range names {
			wg.Go(func() { errs[i] = create(t, s, n) })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantCode(t, err, tokenmanager.EConflict)
			_, gerr := s.Account(t.Context(), names[i])
			wantCode(t, gerr, tokenmanager.ENotFound)
		}
		if won != 1 {
			t.Fatalf("%d of %d look-alike sign-ups won, want exactly 1 (%v)", won, len(names), errs)
		}
	})
	t.Run("DeleteFreesTheSkeleton", func(t *testing.T) {
		s := open(t)
		mustNil(t, create(t, s, "admin"), "CreateAccount")
		mustNil(t, s.DeleteAccount(t.Context(), "admin"), "DeleteAccount")
		mustNil(t, create(t, s, "ɑdmin"), "CreateAccount of a look-alike of a deleted name")
		wantCode(t, create(t, s, "admin"), tokenmanager.EConflict)
	})
}
