package tokenmanager

import (
	"context"
	"time"
)

// Account is a user of the server. Username is stored in its canonical form
// (see CanonicalUsername) and is also the subject of the user's tokens.
type Account struct {
	Username     string    `json:"username"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// Disabled accounts cannot sign in or refresh (see Accounts.Disable).
	Disabled bool `json:"disabled,omitempty"`
}

// AccountStore keeps accounts.
type AccountStore interface {
	// CreateAccount stores a new account; it fails with EConflict when the
	// username is taken, or when the confusable skeleton of the username
	// (UsernameSkeleton) is that of another account: both are checked
	// and claimed atomically, so of two concurrent sign-ups of look-alike
	// names exactly one wins. DeleteAccount frees both.
	CreateAccount(ctx context.Context, a *Account) error
	// Account returns the account with that canonical username, or an
	// ENotFound error.
	Account(ctx context.Context, username string) (*Account, error)
	// AccountEditor changes and deletes accounts (account_lifecycle.go).
	AccountEditor
}
