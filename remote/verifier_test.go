package remote_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/remote"
)

func TestVerify(t *testing.T) {
	s := newServer(t)
	cancelledEarly := s.issue(t, "bob")
	s.cancel(t, cancelledEarly) // before the Verifier connects: it learns it from the stream's load
	v := connect(t, s, remote.Options{})
	tests := []struct {
		name  string
		token string
		code  string // "" for a valid token
	}{
		{"OK", s.issue(t, "alice"), ""},
		{"CancelledBeforeConnect", cancelledEarly, tokenmanager.EInvalidToken},
		{"Garbage", "not.a.token", tokenmanager.EInvalidToken},
		{"OtherIssuer", otherIssuerToken(t), tokenmanager.EInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), tt.token)
			if got := tokenmanager.ErrorCode(err); got != tt.code {
				t.Fatalf("Verify error = %v, want code %q", err, tt.code)
			}
			if tt.code == "" && c.Subject != "alice" {
				t.Fatalf("subject = %q", c.Subject)
			}
		})
	}
}

// otherIssuerToken is a token of another server, whose keys are unknown.
func otherIssuerToken(t *testing.T) string {
	other := newServer(t)
	return other.issue(t, "alice")
}

func TestCancelPropagates(t *testing.T) {
	s := newServer(t)
	v := connect(t, s, remote.Options{})
	tests := []struct {
		name   string
		cancel func(t *testing.T, token string)
	}{
		{"Token", s.cancel},
		{"Subject", func(t *testing.T, _ string) {
			if err := s.mgr.CancelSubject(t.Context(), "carol"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := s.issue(t, "carol")
			if _, err := v.Verify(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
			tt.cancel(t, tok)
			took := eventually(t, time.Second, "the remote refuses the cancelled token", func() bool {
				_, err := v.Verify(t.Context(), tok)
				return tokenmanager.ErrorCode(err) == tokenmanager.EInvalidToken
			})
			t.Logf("refused %v after the cancel returned", took)
		})
	}
}

func TestKeyLookupByKid(t *testing.T) {
	s := newServer(t)
	v := connect(t, s, remote.Options{MinKeyRefresh: time.Hour})
	old := s.issue(t, "alice")
	before := s.jwksCalls.Load()
	s.rotate(t)
	t.Run("NewKidFetchesKeys", func(t *testing.T) {
		if _, err := v.Verify(t.Context(), s.issue(t, "alice")); err != nil {
			t.Fatalf("a token of the new key: %v", err)
		}
		if n := s.jwksCalls.Load() - before; n != 1 {
			t.Fatalf("%d fetches of the key set, want 1", n)
		}
	})
	t.Run("OldKeyStillVerifies", func(t *testing.T) {
		if _, err := v.Verify(t.Context(), old); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UnknownKidsRateLimited", func(t *testing.T) {
		n := s.jwksCalls.Load()
		for i := range 20 {
			if _, err := v.Verify(t.Context(), forged(fmt.Sprint("kid-", i))); err == nil {
				t.Fatal("a forged token passed")
			}
		}
		if got := s.jwksCalls.Load() - n; got != 0 {
			t.Fatalf("%d fetches for forged kids within MinKeyRefresh, want 0", got)
		}
	})
}

// forged is an EdDSA token signed by a key the server never had.
func forged(kid string) string {
	_, priv, _ := ed25519.GenerateKey(nil)
	b64 := base64.RawURLEncoding.EncodeToString
	head := b64(fmt.Appendf(nil, `{"alg":"EdDSA","kid":%q,"typ":"at+jwt"}`, kid))
	now := time.Now().Unix()
	body := b64(fmt.Appendf(nil, `{"iss":%q,"sub":"x","exp":%d,"iat":%d,"jti":"j"}`, issuer, now+60, now))
	return head + "." + body + "." + b64(ed25519.Sign(priv, []byte(head+"."+body)))
}

func TestReconnectReloads(t *testing.T) {
	s := newServer(t)
	token, gate := gatedToken(s)
	v := connect(t, s, remote.Options{Token: token, RetryDelay: 10 * time.Millisecond, MaxStaleness: time.Minute})
	tok, other := s.issue(t, "dave"), s.issue(t, "erin")
	s.srv.Events.DropAll() // the stream ends; reconnecting waits on the gate
	eventually(t, time.Second, "the Verifier sees the loss", func() bool { return !v.Ready() })
	s.cancel(t, tok) // made while no stream is open: no event reaches the Verifier
	t.Run("StaleButWithinMaxStaleness", func(t *testing.T) {
		if _, err := v.Verify(t.Context(), other); err != nil {
			t.Fatal(err)
		}
	})
	close(gate)
	t.Run("ReloadedOnReconnect", func(t *testing.T) {
		eventually(t, 2*time.Second, "the Verifier is back", v.Ready)
		if _, err := v.Verify(t.Context(), tok); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
			t.Fatalf("Verify = %v, want the cancellation learned from the reload", err)
		}
	})
}

func TestFailsClosedWhenStale(t *testing.T) {
	s := newServer(t)
	token, _ := gatedToken(s) // never opened: no reconnection
	v := connect(t, s, remote.Options{Token: token, RetryDelay: 10 * time.Millisecond, MaxStaleness: 50 * time.Millisecond})
	tok := s.issue(t, "frank")
	s.srv.Events.DropAll()
	eventually(t, 2*time.Second, "the Verifier fails closed", func() bool {
		_, err := v.Verify(t.Context(), tok)
		return tokenmanager.ErrorCode(err) == tokenmanager.EUnavailable
	})
}

func TestMiddleware(t *testing.T) {
	s := newServer(t)
	v := connect(t, s, remote.Options{})
	api := httptest.NewServer(tmhttp.Authenticate(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tmhttp.ClaimsFrom(r.Context())
		fmt.Fprint(w, "hello ", c.Subject)
	})))
	t.Cleanup(api.Close)
	tok := s.issue(t, "grace")
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", api.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := get(); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d before the cancel", res.StatusCode)
	}
	s.cancel(t, tok)
	eventually(t, time.Second, "401 after the cancel", func() bool {
		res := get()
		return res.StatusCode == http.StatusUnauthorized && strings.Contains(res.Header.Get("WWW-Authenticate"), "cancelled")
	})
}

// TestClientCredentials follows the stream as a service client with the
// events scope: no admin account, cancellations still arrive.
func TestClientCredentials(t *testing.T) {
	s := newServer(t)
	secret := s.addClient(t, "gateway", tokenmanager.ScopeEvents)
	v := connect(t, s, remote.Options{ClientID: "gateway", ClientSecret: secret})
	token := s.issue(t, "alice")
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify before the cancellation: %v", err)
	}
	s.cancel(t, token)
	eventually(t, 5*time.Second, "the cancellation reaches the client's stream", func() bool {
		_, err := v.Verify(t.Context(), token)
		return tokenmanager.ErrorCode(err) == tokenmanager.EInvalidToken
	})
}

func TestNewFails(t *testing.T) {
	s := newServer(t)
	user := s.issue(t, "henry")
	introspector := s.addClient(t, "rs", tokenmanager.ScopeIntrospect)
	feed := s.addClient(t, "feed", tokenmanager.ScopeEvents)
	tests := []struct {
		name string
		url  string
		opts remote.Options
	}{
		{"NoToken", s.URL, remote.Options{}},
		{"Unreachable", "http://127.0.0.1:1", remote.Options{Token: remote.PasswordToken(nil, s.URL, "root", password)}},
		{"NotAdmin", s.URL, remote.Options{Token: func(context.Context) (string, error) { return user, nil }}},
		{"ClientWithoutEventsScope", s.URL, remote.Options{ClientID: "rs", ClientSecret: introspector}},
		{"WrongClientSecret", s.URL, remote.Options{ClientID: "feed", ClientSecret: feed + "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			tt.opts.Logger = slog.New(slog.DiscardHandler)
			if v, err := remote.New(ctx, tt.url, tt.opts); err == nil {
				v.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}
