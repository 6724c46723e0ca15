package tokenmanager

import "context"

// AccountChangeKind says what happened to an account, for the Shared
// Signals events (CAEP credential-change, RISC account-disabled,
// account-enabled, account-purged).
type AccountChangeKind string

// The account changes that Accounts reports to its OnChange hook.
const (
	AccountPasswordChanged AccountChangeKind = "password-changed"
	AccountDisabled        AccountChangeKind = "disabled"
	AccountEnabled         AccountChangeKind = "enabled"
	AccountDeleted         AccountChangeKind = "deleted"
)

// AccountChange is one successful change of an account, by its canonical
// username (the subject of its tokens).
type AccountChange struct {
	Kind     AccountChangeKind
	Username string
}

// changed calls the OnChange hook, if any.
func (a *Accounts) changed(ctx context.Context, k AccountChangeKind, username string) {
	if a.OnChange != nil {
		a.OnChange(ctx, AccountChange{Kind: k, Username: username})
	}
}
