package tokenmanager

import "context"

// AccountEditor is the part of an AccountStore that changes an account
// after its creation: a password change, disabling, deletion.
type AccountEditor interface {
	// UpdateAccount applies fn to the account atomically: fn sees the
	// current record, and its changes are stored only if no one changed
	// the account meanwhile (the store retries or serialises). The
	// username cannot change. An error from fn is returned as is and
	// nothing is stored; a missing account is ENotFound.
	UpdateAccount(ctx context.Context, username string, fn func(*Account) error) (*Account, error)
	// DeleteAccount removes an account, so that its name can be taken
	// again; a missing account is not an error.
	DeleteAccount(ctx context.Context, username string) error
}

// TokenCanceller cancels the tokens that an account change must end.
// *Manager is one; Accounts asks it so that it needs no Manager itself.
type TokenCanceller interface {
	// CancelSubject cancels every token of subject issued until now.
	CancelSubject(ctx context.Context, subject string) error
	// CancelOtherSessions cancels every session of subject but keep.
	CancelOtherSessions(ctx context.Context, subject, keep string) error
}

var _ TokenCanceller = (*Manager)(nil)

// errDisabled is the answer to a disabled account's correct password.
func errDisabled() error { return Errorf(EAccessDenied, "this account is disabled") }

// errWrongPassword is the answer to a signed-in user's wrong password: 403,
// not 401, because the access token itself was fine.
func errWrongPassword() error { return Errorf(EAccessDenied, "wrong password") }

// ChangePassword sets the password of username to next once current is
// checked, then cancels every session of the user except keep (the one
// asking). A wrong current password is EAccessDenied and counts as a
// failed sign-in from address; a weak next one is EInvalid. When the
// cancellation fails (EUnavailable) the password is already changed:
// retrying with the new password as current finishes the job.
func (a *Accounts) ChangePassword(ctx context.Context, tokens TokenCanceller, username, keep, current, next, address string) error {
	if err := ValidatePassword(next); err != nil {
		return err
	}
	acc, err := a.verifyPassword(ctx, username, current, address)
	if err != nil {
		return err
	}
	hash, err := a.hash(ctx, next)
	if err != nil {
		return err
	}
	_, err = a.store.UpdateAccount(ctx, acc.Username, func(c *Account) error {
		if c.PasswordHash != acc.PasswordHash || !c.CreatedAt.Equal(acc.CreatedAt) {
			return Errorf(EConflict, "the account changed meanwhile; try again")
		}
		c.PasswordHash = hash
		return nil
	})
	if ErrorCode(err) == ENotFound {
		return errWrongPassword()
	} else if err != nil {
		return storeError(err, "cannot change the password")
	}
	a.changed(ctx, AccountPasswordChanged, acc.Username)
	return tokens.CancelOtherSessions(ctx, acc.Username, keep)
}

// DeleteOwn deletes the account of username once its password is checked
// (a wrong one is EAccessDenied), as Delete does.
func (a *Accounts) DeleteOwn(ctx context.Context, tokens TokenCanceller, username, password, address string) error {
	acc, err := a.verifyPassword(ctx, username, password, address)
	if err != nil {
		return err
	}
	return a.Delete(ctx, tokens, acc.Username)
}

// Disable refuses the user's sign-ins and refreshes until Enable, and
// cancels every token of the user. The flag is stored before the cut-off
// is taken, so a sign-in racing it either sees the flag (Confirm) or
// started before the cut-off. An unknown user is ENotFound.
func (a *Accounts) Disable(ctx context.Context, tokens TokenCanceller, username string) error {
	name, err := a.setDisabled(ctx, username, true)
	if err != nil {
		return err
	}
	if err := tokens.CancelSubject(ctx, name); err != nil {
		return err
	}
	a.changed(ctx, AccountDisabled, name)
	return nil
}

// Enable lets a disabled user sign in again; tokens cancelled by Disable
// stay cancelled. An unknown user is ENotFound.
func (a *Accounts) Enable(ctx context.Context, username string) error {
	name, err := a.setDisabled(ctx, username, false)
	if err != nil {
		return err
	}
	a.changed(ctx, AccountEnabled, name)
	return nil
}

// Delete removes the account and cancels every token of the user, so that
// none of them works for a new account that takes the name again: it
// disables the account (no sign-in can start meanwhile), cancels the
// subject, then deletes the record. When a step fails (EUnavailable) the
// account is left disabled and Delete can be called again.
func (a *Accounts) Delete(ctx context.Context, tokens TokenCanceller, username string) error {
	name, err := a.setDisabled(ctx, username, true)
	if err != nil {
		return err
	}
	if err := tokens.CancelSubject(ctx, name); err != nil {
		return err
	}
	if err := a.store.DeleteAccount(ctx, name); err != nil {
		return storeError(err, "cannot delete the account")
	}
	a.changed(ctx, AccountDeleted, name)
	return nil
}

// Confirm re-reads the account that a sign-in has just started a session
// for, and refuses it if the account was disabled, deleted, replaced or
// given a new password since its password was checked. The caller then
// cancels the session. With it, a sign-in racing Disable, Delete or
// ChangePassword either is refused or started before their cut-off (or
// before the session list that ChangePassword cancels was read).
func (a *Accounts) Confirm(ctx context.Context, acc *Account) error {
	cur, err := a.store.Account(ctx, acc.Username)
	switch {
	case ErrorCode(err) == ENotFound:
		return Errorf(EInvalidGrant, "wrong username or password")
	case err != nil:
		return storeError(err, "cannot read the account")
	case cur.Disabled:
		return errDisabled()
	case cur.PasswordHash != acc.PasswordHash || !cur.CreatedAt.Equal(acc.CreatedAt):
		return Errorf(EInvalidGrant, "wrong username or password")
	}
	return nil
}

// Admit refuses a refresh for a disabled account (Manager.Admit). A
// subject without an account is admitted: the server also keeps tokens a
// library issued, and a deleted account's tokens are cancelled already.
func (a *Accounts) Admit(ctx context.Context, subject string) error {
	acc, err := a.store.Account(ctx, subject)
	switch {
	case ErrorCode(err) == ENotFound:
		return nil
	case err != nil:
		return storeError(err, "cannot read the account")
	case acc.Disabled:
		return Errorf(EInvalidGrant, "unknown, expired or cancelled refresh token")
	}
	return nil
}

// setDisabled stores the account's flag and returns its canonical name.
func (a *Accounts) setDisabled(ctx context.Context, username string, disabled bool) (string, error) {
	name, err := CanonicalUsername(username)
	if err != nil {
		return "", err
	}
	_, err = a.store.UpdateAccount(ctx, name, func(c *Account) error {
		c.Disabled = disabled
		return nil
	})
	if ErrorCode(err) == ENotFound {
		return "", Errorf(ENotFound, "no such account")
	}
	return name, storeError(err, "cannot update the account")
}

// verifyPassword checks the password of a signed-in user. Attempts count
// against the same limit as sign-ins from address, so that a stolen
// access token is not a way around it.
func (a *Accounts) verifyPassword(ctx context.Context, username, password, address string) (*Account, error) {
	name, err := CanonicalUsername(username)
	if err != nil {
		return nil, err
	}
	attempt, err := a.limiter.Begin(name, address)
	if err != nil {
		return nil, err
	}
	if err := a.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer a.gate.release()
	acc, err := a.lookup(ctx, name, nil)
	if err != nil {
		attempt.Unchecked()
		return nil, err
	}
	if !a.checkPassword(password, acc) {
		return nil, errWrongPassword()
	}
	attempt.Succeeded()
	return acc, nil
}

// hash hashes a new password in a hashing slot.
func (a *Accounts) hash(ctx context.Context, password string) (string, error) {
	if err := a.gate.acquire(ctx); err != nil {
		return "", err
	}
	defer a.gate.release()
	return a.gate.hash(password, a.argon), nil
}
