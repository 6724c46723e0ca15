package tokenmanager_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// TestOnChange: the hook hears of each successful change, by canonical
// name, and of no failed one.
func TestOnChange(t *testing.T) {
	ctx := context.Background()
	l := newLifecycle(t)
	var got []tokenmanager.AccountChange
	l.acc.OnChange = func(_ context.Context, ch tokenmanager.AccountChange) { got = append(got, ch) }
	self, _ := l.signIn(t, "password-alice")
	steps := []struct {
		name string
		err  error
	}{
		{"WrongPassword", l.acc.ChangePassword(ctx, l.Manager, "alice", self.SessionID, "nope nope", "a new password", "::1")},
		{"ChangePassword", l.acc.ChangePassword(ctx, l.Manager, "ALICE", self.SessionID, "password-alice", "a new password", "::1")},
		{"Disable", l.acc.Disable(ctx, l.Manager, "Alice")},
		{"Enable", l.acc.Enable(ctx, "alice")},
		{"DeleteOwnWrongPassword", l.acc.DeleteOwn(ctx, l.Manager, "alice", "password-alice", "::1")},
		{"DeleteOwn", l.acc.DeleteOwn(ctx, l.Manager, "alice", "a new password", "::1")},
		{"DisableDeleted", l.acc.Disable(ctx, l.Manager, "alice")},
		{"EnableDeleted", l.acc.Enable(ctx, "alice")},
	}
	for _, s := range steps {
		t.Logf("%s: %v", s.name, s.err)
	}
	want := []tokenmanager.AccountChange{
		{Kind: tokenmanager.AccountPasswordChanged, Username: "alice"},
		{Kind: tokenmanager.AccountDisabled, Username: "alice"},
		{Kind: tokenmanager.AccountEnabled, Username: "alice"},
		{Kind: tokenmanager.AccountDeleted, Username: "alice"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}
