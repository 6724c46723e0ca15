package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// renewBefore is how long before its expiry an access token is renewed.
const renewBefore = 30 * time.Second

// PasswordToken returns an Options.Token that signs in to the server at
// baseURL as username (a user listed in its --admins) and keeps that one
// session: it refreshes the access token when it is about to expire, and
// signs in again only when the refresh token stops working. client is
// http.DefaultClient when nil.
func PasswordToken(client *http.Client, baseURL, username, password string) func(context.Context) (string, error) {
	if client == nil {
		client = http.DefaultClient
	}
	p := &passwordSource{client: client, base: strings.TrimRight(baseURL, "/"), user: username, pass: password}
	return p.token
}

// passwordSource holds the session of PasswordToken.
type passwordSource struct {
	client           *http.Client
	base, user, pass string

	mu      sync.Mutex
	pair    tokenmanager.TokenPair
	expires time.Time
}

// token returns a current access token, refreshing or signing in first
// when needed.
func (p *passwordSource) token(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pair.AccessToken != "" && time.Until(p.expires) > renewBefore {
		return p.pair.AccessToken, nil
	}
	if p.pair.RefreshToken != "" {
		if err := p.post(ctx, "/tokens/refresh", map[string]string{"refresh_token": p.pair.RefreshToken}); err == nil {
			return p.pair.AccessToken, nil
		}
	}
	if err := p.post(ctx, "/sign-in", map[string]string{"username": p.user, "password": p.pass}); err != nil {
		return "", err
	}
	return p.pair.AccessToken, nil
}

// post sends a JSON body and keeps the token pair answered.
func (p *passwordSource) post(ctx context.Context, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", p.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return statusError(req, res)
	}
	var pair tokenmanager.TokenPair
	if err := json.NewDecoder(io.LimitReader(res.Body, maxBody)).Decode(&pair); err != nil {
		return err
	}
	p.pair, p.expires = pair, time.Now().Add(time.Duration(pair.ExpiresIn)*time.Second)
	return nil
}
