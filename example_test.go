package tokenmanager_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
)

// exampleManager opens a Manager on an embedded store in a temporary
// directory with the service package's one call: what a service with its
// own users does once at start.
func exampleManager() (*tokenmanager.Manager, func()) {
	return exampleManagerWith(service.Options{Issuer: "https://auth.example"})
}

func exampleManagerWith(o service.Options) (*tokenmanager.Manager, func()) {
	dir, _ := os.MkdirTemp("", "tokenmanager-example")
	svc, err := service.Open(context.Background(), "bolt:"+filepath.Join(dir, "tokens.db"), o)
	if err != nil {
		panic(err)
	}
	return svc.Manager, func() { svc.Close(); os.RemoveAll(dir) }
}

// Issue a token pair when a user signs in: one session per device.
func ExampleManager_Issue() {
	m, done := exampleManager()
	defer done()
	pair, err := m.Issue(context.Background(), "user-42", tokenmanager.SessionMeta{UserAgent: "curl"})
	if err != nil {
		panic(err)
	}
	fmt.Println(pair.TokenType, pair.ExpiresIn, pair.RefreshExpiresIn)
	// Output: Bearer 300 2592000
}

// Verify checks the signature, the claims and the cancelled set.
func ExampleManager_Verify() {
	m, done := exampleManager()
	defer done()
	ctx := context.Background()
	pair, _ := m.Issue(ctx, "user-42", tokenmanager.SessionMeta{})
	claims, err := m.Verify(ctx, pair.AccessToken)
	fmt.Println(claims.Subject, claims.SessionID == pair.SessionID, err)
	_, err = m.Verify(ctx, "not a token")
	fmt.Println(tokenmanager.ErrorCode(err))
	// Output:
	// user-42 true <nil>
	// invalid_token
}

// Cancel one token, one session or every token of a user.
func ExampleManager_CancelSubject() {
	m, done := exampleManager()
	defer done()
	ctx := context.Background()
	laptop, _ := m.Issue(ctx, "user-42", tokenmanager.SessionMeta{})
	phone, _ := m.Issue(ctx, "user-42", tokenmanager.SessionMeta{})

	_ = m.CancelSubject(ctx, "user-42") // the user was banned, or changed their password
	for _, p := range []*tokenmanager.TokenPair{laptop, phone} {
		_, err := m.Verify(ctx, p.AccessToken)
		fmt.Println(tokenmanager.ErrorMessage(err))
	}
	again, _ := m.Issue(ctx, "user-42", tokenmanager.SessionMeta{}) // a sign-in right after works
	_, err := m.Verify(ctx, again.AccessToken)
	fmt.Println(err)
	// Output:
	// the token has been cancelled (subject)
	// the token has been cancelled (subject)
	// <nil>
}

// Refresh rotates the refresh token; the retired one is theft if used again.
func ExampleManager_Refresh() {
	// With no reuse grace (5s by default, for two tabs refreshing at
	// once), a retired refresh token presented again is theft at once.
	m, done := exampleManagerWith(service.Options{Issuer: "https://auth.example", ReuseGrace: service.Off})
	defer done()
	ctx := context.Background()
	first, _ := m.Issue(ctx, "user-42", tokenmanager.SessionMeta{})
	second, _ := m.Refresh(ctx, first.RefreshToken, tokenmanager.SessionMeta{})
	fmt.Println(second.RefreshToken != first.RefreshToken, second.SessionID == first.SessionID)
	_, err := m.Refresh(ctx, first.RefreshToken, tokenmanager.SessionMeta{})
	fmt.Println(tokenmanager.ErrorMessage(err))
	// Output:
	// true true
	// the refresh token was already used; its session has been cancelled
}
