package tokenmanager

import (
	"context"
	"time"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// Username and password rules.
const (
	MaxUsernameLen = 64   // bytes, after canonicalisation
	MinPasswordLen = 8    // characters
	MaxPasswordLen = 1024 // bytes: argon2 hashes all of it, so bound the work
)

// CanonicalUsername returns the form under which a username is stored and
// compared: RFC 8265 UsernameCaseMapped (Unicode NFC, width-folded, lower
// case, no spaces or control characters), so that look-alike spellings of a
// name ("Alice", "ａｌｉｃｅ") are the same account and cannot take it over;
// and its letters must come from one script, so that "аlice" with a
// Cyrillic а cannot pass for alice.
func CanonicalUsername(s string) (string, error) {
	if s == "" {
		return "", Errorf(EInvalid, "username is empty")
	}
	if len(s) > 4*MaxUsernameLen {
		return "", Errorf(EInvalid, "username is longer than %d bytes", MaxUsernameLen)
	}
	c, err := precis.UsernameCaseMapped.String(s)
	if err != nil {
		return "", Errorf(EInvalid, "username has characters that are not allowed (letters, digits and punctuation only, no spaces)")
	}
	if len(c) > MaxUsernameLen {
		return "", Errorf(EInvalid, "username is longer than %d bytes", MaxUsernameLen)
	}
	if ok, a, b := singleScript(c); !ok {
		return "", Errorf(EInvalid, "username mixes the %s and %s scripts; use letters of one script", a, b)
	}
	return c, nil
}

// ValidatePassword checks the password rules of sign-up.
func ValidatePassword(p string) error {
	switch {
	case !utf8.ValidString(p):
		return Errorf(EInvalid, "password is not valid UTF-8")
	case utf8.RuneCountInString(p) < MinPasswordLen:
		return Errorf(EInvalid, "password is shorter than %d characters", MinPasswordLen)
	case len(p) > MaxPasswordLen:
		return Errorf(EInvalid, "password is longer than %d bytes", MaxPasswordLen)
	}
	return nil
}

// Accounts signs users up and in for the server. Library users who have
// their own users do not need it.
type Accounts struct {
	store   AccountStore
	limiter *Limiter
	argon   Argon2Params
	now     func() time.Time
	dummy   string    // a hash to check against for unknown users
	gate    *hashGate // bounds the argon2id runs in flight by memory

	// OnChange, when set, is called after each successful password
	// change, disable, enable and deletion (the Shared Signals
	// transmitter turns them into events). Set it before first use.
	OnChange func(context.Context, AccountChange)
}

// NewAccounts returns the account service; limiter may be nil (no limit).
// Password hashing gets DefaultHashMemory and DefaultHashWait; see
// WithHashBudget.
func NewAccounts(store AccountStore, limiter *Limiter, argon Argon2Params) *Accounts {
	a := &Accounts{store: store, limiter: limiter, argon: argon, now: time.Now,
		dummy: HashPassword("not a password of anyone", argon)}
	return a.WithHashBudget(DefaultHashMemory, DefaultHashWait)
}

// SignUp creates an account. It fails with EInvalid for a bad name or
// password, and EConflict when the canonical name is taken or looks like
// one that is (the same confusable skeleton, see UsernameSkeleton).
func (a *Accounts) SignUp(ctx context.Context, username, password string) (*Account, error) {
	name, err := CanonicalUsername(username)
	if err != nil {
		return nil, err
	}
	if err := checkNewUsername(name); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if err := a.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer a.gate.release()
	acc := &Account{Username: name, PasswordHash: a.gate.hash(password, a.argon), CreatedAt: a.now().UTC().Truncate(time.Millisecond)}
	if err := a.store.CreateAccount(ctx, acc); err != nil {
		if ErrorCode(err) == EConflict {
			return nil, Errorf(EConflict, "username is taken, or looks like one that is")
		}
		return nil, storeError(err, "cannot create the account")
	}
	return acc, nil
}

// SignIn checks a username and password. A wrong name and a wrong
// password get the same EInvalidGrant answer after the same work (an
// unknown name is checked against a dummy hash). The limiter's allowance
// is taken before the hash runs, and given back only on success: past
// the limit it answers ERateLimited, however many attempts arrive at once.
// When no hashing slot frees up in time it answers EUnavailable.
func (a *Accounts) SignIn(ctx context.Context, username, password, address string) (*Account, error) {
	name, nameErr := CanonicalUsername(username)
	if nameErr != nil {
		name = ""
	}
	attempt, err := a.limiter.Begin(name, address)
	if err != nil {
		return nil, err
	}
	if err := a.gate.acquire(ctx); err != nil {
		return nil, err // the attempt stays counted
	}
	defer a.gate.release()
	acc, err := a.lookup(ctx, name, nameErr)
	if err != nil {
		attempt.Unchecked()
		return nil, err
	}
	if !a.checkPassword(password, acc) {
		return nil, Errorf(EInvalidGrant, "wrong username or password")
	}
	attempt.Succeeded()
	if acc.Disabled { // told only to who knows the password
		return nil, errDisabled()
	}
	return acc, nil
}

// checkPassword checks password against acc's hash, or against the dummy
// hash when there is no account, so both cost one hash.
func (a *Accounts) checkPassword(password string, acc *Account) bool {
	hash := a.dummy
	if acc != nil {
		hash = acc.PasswordHash
	}
	return a.gate.check(password, hash) && acc != nil
}

// lookup returns the account, nil for an unknown or invalid name, or a
// store error.
func (a *Accounts) lookup(ctx context.Context, name string, nameErr error) (*Account, error) {
	if nameErr != nil {
		return nil, nil
	}
	acc, err := a.store.Account(ctx, name)
	if ErrorCode(err) == ENotFound {
		return nil, nil
	} else if err != nil {
		return nil, storeError(err, "cannot read the account")
	}
	return acc, nil
}

// Account returns the account of a canonical username.
func (a *Accounts) Account(ctx context.Context, username string) (*Account, error) {
	name, err := CanonicalUsername(username)
	if err != nil {
		return nil, err
	}
	acc, err := a.store.Account(ctx, name)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, "no such account")
	}
	return acc, storeError(err, "cannot read the account")
}
