package tokenmanager

import (
	"context"
	"runtime"
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
	dummy   string        // a hash to check against for unknown users
	hashing chan struct{} // bounds concurrent argon2 runs (19 MiB each)
}

// acquire waits for a hashing slot: argon2id takes 19 MiB per run, so a
// burst of sign-ins must queue rather than exhaust memory.
func (a *Accounts) acquire(ctx context.Context) error {
	select {
	case a.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return Wrap(EUnavailable, ctx.Err(), "the server is busy; try again")
	}
}

func (a *Accounts) release() { <-a.hashing }

// NewAccounts returns the account service; limiter may be nil (no limit).
func NewAccounts(store AccountStore, limiter *Limiter, argon Argon2Params) *Accounts {
	return &Accounts{store: store, limiter: limiter, argon: argon, now: time.Now,
		dummy:   HashPassword("not a password of anyone", argon),
		hashing: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
}

// SignUp creates an account. It fails with EInvalid for a bad name or
// password and EConflict when the canonical name is taken.
func (a *Accounts) SignUp(ctx context.Context, username, password string) (*Account, error) {
	name, err := CanonicalUsername(username)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if err := a.acquire(ctx); err != nil {
		return nil, err
	}
	defer a.release()
	acc := &Account{Username: name, PasswordHash: HashPassword(password, a.argon), CreatedAt: a.now().UTC().Truncate(time.Millisecond)}
	if err := a.store.CreateAccount(ctx, acc); err != nil {
		if ErrorCode(err) == EConflict {
			return nil, Errorf(EConflict, "username is taken")
		}
		return nil, storeError(err, "cannot create the account")
	}
	return acc, nil
}

// SignIn checks a username and password. A wrong name and a wrong
// password get the same EInvalidGrant answer after the same work (an
// unknown name is checked against a dummy hash). Failures are counted per
// username and client address; past the limit it answers ERateLimited.
func (a *Accounts) SignIn(ctx context.Context, username, password, address string) (*Account, error) {
	name, nameErr := CanonicalUsername(username)
	key := name + "\x00" + address
	if nameErr != nil {
		key = "\x00invalid\x00" + address // bounded: never the raw name
	}
	if ok, wait := a.limiter.Allow(key); !ok {
		e := Errorf(ERateLimited, "too many failed sign-ins; try again in %s", wait.Round(time.Second))
		e.Retry = wait
		return nil, e
	}
	if err := a.acquire(ctx); err != nil {
		return nil, err
	}
	defer a.release()
	acc, err := a.lookup(ctx, name, nameErr)
	if err != nil {
		return nil, err
	}
	hash := a.dummy
	if acc != nil {
		hash = acc.PasswordHash
	}
	if !CheckPassword(password, hash) || acc == nil {
		a.limiter.Fail(key)
		return nil, Errorf(EInvalidGrant, "wrong username or password")
	}
	if acc.Disabled { // told only to who knows the password
		return nil, errDisabled()
	}
	return acc, nil
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
