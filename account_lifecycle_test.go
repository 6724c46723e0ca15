package tokenmanager_test

import (
	"context"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

var fastArgon = tokenmanager.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// lifecycle is a Manager and Accounts on one bolt store, with alice signed
// up (password "password-alice").
type lifecycle struct {
	*fixture
	acc *tokenmanager.Accounts
}

func newLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	f := newManager(t, tokenmanager.CheckReplica, 0, false)
	l := &lifecycle{fixture: f, acc: tokenmanager.NewAccounts(f.store, nil, fastArgon)}
	f.Admit = l.acc.Admit
	if _, err := l.acc.SignUp(context.Background(), "alice", "password-alice"); err != nil {
		t.Fatal(err)
	}
	return l
}

// signIn signs alice in as the server does: password, session, Confirm.
func (l *lifecycle) signIn(t *testing.T, password string) (*tokenmanager.TokenPair, error) {
	t.Helper()
	ctx := context.Background()
	a, err := l.acc.SignIn(ctx, "alice", password, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	p := mustIssue(t, l.fixture, a.Username)
	return p, l.acc.Confirm(ctx, a)
}

func wantErrCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := tokenmanager.ErrorCode(err); got != code {
		t.Fatalf("%s: err %v (code %q), want code %q", what, err, got, code)
	}
}

func (l *lifecycle) refresh(t *testing.T, p *tokenmanager.TokenPair) error {
	t.Helper()
	_, err := l.Refresh(context.Background(), p.RefreshToken, tokenmanager.SessionMeta{})
	return err
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, current, next, code string
	}{
		{"WrongCurrent", "not-the-password", "a new password", tokenmanager.EAccessDenied},
		{"WeakNew", "password-alice", "short", tokenmanager.EInvalid},
		{"Changed", "password-alice", "a new password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLifecycle(t)
			self, _ := l.signIn(t, "password-alice")
			other, _ := l.signIn(t, "password-alice")
			err := l.acc.ChangePassword(ctx, l.Manager, "alice", self.SessionID, tt.current, tt.next, "127.0.0.1")
			wantErrCode(t, "ChangePassword", err, tt.code)
			changed := tt.code == ""
			wantValid(t, l.fixture, self.AccessToken, true)
			wantValid(t, l.fixture, other.AccessToken, !changed)
			_, err = l.signIn(t, "password-alice")
			if changed {
				wantErrCode(t, "sign-in with the old password", err, tokenmanager.EInvalidGrant)
				wantErrCode(t, "refresh of another session", l.refresh(t, other), tokenmanager.EInvalidGrant)
				_, err = l.signIn(t, tt.next)
			}
			wantErrCode(t, "sign-in with the current password", err, "")
			wantErrCode(t, "refresh of this session", l.refresh(t, self), "")
		})
	}
}

func TestDisableEnableDelete(t *testing.T) {
	ctx := context.Background()
	l := newLifecycle(t)
	p, _ := l.signIn(t, "password-alice")
	wantErrCode(t, "Disable", l.acc.Disable(ctx, l.Manager, "Alice"), "")
	wantValid(t, l.fixture, p.AccessToken, false)
	wantErrCode(t, "refresh while disabled", l.refresh(t, p), tokenmanager.EInvalidGrant)
	_, err := l.signIn(t, "password-alice")
	wantErrCode(t, "sign-in while disabled", err, tokenmanager.EAccessDenied)
	_, err = l.signIn(t, "wrong password")
	wantErrCode(t, "wrong password while disabled", err, tokenmanager.EInvalidGrant)

	wantErrCode(t, "Enable", l.acc.Enable(ctx, "alice"), "")
	p, err = l.signIn(t, "password-alice")
	wantErrCode(t, "sign-in once enabled", err, "")
	wantErrCode(t, "DeleteOwn, wrong password", l.acc.DeleteOwn(ctx, l.Manager, "alice", "nope", "::1"), tokenmanager.EAccessDenied)
	wantErrCode(t, "DeleteOwn", l.acc.DeleteOwn(ctx, l.Manager, "alice", "password-alice", "::1"), "")
	wantValid(t, l.fixture, p.AccessToken, false)
	wantErrCode(t, "refresh after deletion", l.refresh(t, p), tokenmanager.EInvalidGrant)

	for _, op := range []struct {
		name string
		err  error
	}{
		{"Disable", l.acc.Disable(ctx, l.Manager, "alice")},
		{"Enable", l.acc.Enable(ctx, "alice")},
		{"Delete", l.acc.Delete(ctx, l.Manager, "alice")},
	} {
		wantErrCode(t, op.name+" of a deleted account", op.err, tokenmanager.ENotFound)
	}
	if _, err := l.acc.SignUp(ctx, "alice", "password-alice"); err != nil {
		t.Fatalf("the deleted name cannot be taken again: %v", err)
	}
	wantErrCode(t, "old refresh token for the new account", l.refresh(t, p), tokenmanager.EInvalidGrant)
	wantValid(t, l.fixture, p.AccessToken, false)
	_, err = l.signIn(t, "password-alice")
	wantErrCode(t, "sign-in to the new account", err, "")
}

// TestConfirmRefusesRacedSignIn changes the account between a sign-in's
// password check and its Confirm, as a concurrent request would.
func TestConfirmRefusesRacedSignIn(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(l *lifecycle) error
		code   string
	}{
		{"Unchanged", func(*lifecycle) error { return nil }, ""},
		{"Disabled", func(l *lifecycle) error { return l.acc.Disable(ctx, l.Manager, "alice") }, tokenmanager.EAccessDenied},
		{"NewPassword", func(l *lifecycle) error {
			return l.acc.ChangePassword(ctx, l.Manager, "alice", "", "password-alice", "another password", "")
		}, tokenmanager.EInvalidGrant},
		{"Deleted", func(l *lifecycle) error { return l.acc.Delete(ctx, l.Manager, "alice") }, tokenmanager.EInvalidGrant},
		{"Replaced", func(l *lifecycle) error {
			if err := l.acc.Delete(ctx, l.Manager, "alice"); err != nil {
				return err
			}
			_, err := l.acc.SignUp(ctx, "alice", "password-alice")
			return err
		}, tokenmanager.EInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLifecycle(t)
			a, err := l.acc.SignIn(ctx, "alice", "password-alice", "")
			wantErrCode(t, "SignIn", err, "")
			wantErrCode(t, "change", tt.change(l), "")
			wantErrCode(t, "Confirm", l.acc.Confirm(ctx, a), tt.code)
		})
	}
}

// TestAdmitRefusesDisabledRefresh sets the flag alone, as a Disable whose
// cancellation has not been taken yet: the refresh is refused all the same.
func TestAdmitRefusesDisabledRefresh(t *testing.T) {
	ctx := context.Background()
	l := newLifecycle(t)
	p, _ := l.signIn(t, "password-alice")
	_, err := l.store.UpdateAccount(ctx, "alice", func(a *tokenmanager.Account) error {
		a.Disabled = true
		return nil
	})
	wantErrCode(t, "UpdateAccount", err, "")
	wantErrCode(t, "refresh of a disabled account", l.refresh(t, p), tokenmanager.EInvalidGrant)
	wantErrCode(t, "refresh of a subject without account", l.refresh(t, mustIssue(t, l.fixture, "library-user")), "")
}
