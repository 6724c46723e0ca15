package redis

import (
	"testing"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestSkeletonClaimRecovery: the skeleton claim and the account are two
// writes; a writer that dies between them must not block the name (nor
// its look-alikes) for ever.
func TestSkeletonClaimRecovery(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL())
	ctx := t.Context()
	account := func(name string) *tm.Account {
		return &tm.Account{Username: name, PasswordHash: "h", CreatedAt: time.Now()}
	}
	claim := s.k.skeleton(tm.UsernameSkeleton("admin"))
	t.Run("ConfirmedClaimIsPermanent", func(t *testing.T) {
		if err := s.CreateAccount(ctx, account("admin")); err != nil {
			t.Fatal(err)
		}
		if ttl := s.rdb.PTTL(ctx, claim).Val(); ttl != -1 {
			t.Fatalf("claim TTL %s, want none once the account exists", ttl)
		}
	})
	t.Run("DeletionDiedHalfway", func(t *testing.T) {
		s.rdb.Del(ctx, s.k.account("admin")) // the account is gone, its claim is not
		if err := s.CreateAccount(ctx, account("ɑdmin")); err != nil {
			t.Fatalf("a look-alike after a half-done deletion: %v", err)
		}
	})
	t.Run("PendingClaimOfASignUpInFlight", func(t *testing.T) {
		s.rdb.Del(ctx, s.k.account("ɑdmin"), claim)
		s.rdb.Set(ctx, claim, "admın", time.Second) // admın is being signed up
		if err := s.CreateAccount(ctx, account("admin")); tm.ErrorCode(err) != tm.EConflict {
			t.Fatalf("a look-alike of a name being signed up: %v, want conflict", err)
		}
	})
	t.Run("PendingClaimOfADeadSignUpExpires", func(t *testing.T) {
		s.rdb.PExpire(ctx, claim, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		if err := s.CreateAccount(ctx, account("admin")); err != nil {
			t.Fatalf("after the dead sign-up's claim expired: %v", err)
		}
	})
}

// TestSkeletonClaimsOfOldAccounts: accounts written before skeleton
// claims existed are claimed before the first sign-up, so a look-alike of
// one is refused too.
func TestSkeletonClaimsOfOldAccounts(t *testing.T) {
	srv := redistest.Start(t)
	old := mustOpen(t, srv.URL())
	ctx := t.Context()
	old.rdb.Set(ctx, old.k.account("admin"), `{"username":"admin","password_hash":"h"}`, 0) // as an older version wrote it
	old.rdb.Set(ctx, old.k.account("pay*"), `{"username":"pay*","password_hash":"h"}`, 0)
	s := mustOpen(t, srv.URL())
	for _, name := range []string{"admın", "рау*"} {
		err := s.CreateAccount(ctx, &tm.Account{Username: name, PasswordHash: "h", CreatedAt: time.Now()})
		if tm.ErrorCode(err) != tm.EConflict {
			t.Fatalf("%s next to an older account: %v, want conflict", name, err)
		}
	}
	if err := s.CreateAccount(ctx, &tm.Account{Username: "bob", PasswordHash: "h", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}
