package interop

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// countingTransport counts the JWKS fetches of a cache.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// refresh returns the next pair of p's session: a new access token without
// a password hash.
func (s *server) refresh(p tokenPair) tokenPair {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"refresh_token": p.RefreshToken})
	var next tokenPair
	if err := json.Unmarshal(s.post("/tokens/refresh", string(body), http.StatusOK), &next); err != nil {
		s.t.Fatal(err)
	}
	return next
}

// kidOf returns the kid in a token's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	var hdr struct{ Kid string }
	if err != nil || json.Unmarshal(b, &hdr) != nil {
		t.Fatalf("token header %q: %v", h, err)
	}
	return hdr.Kid
}

// rotation is what `keys rotate` prints: the keys and the next one's
// activation.
type rotation struct {
	Keys []struct {
		Kid         string
		State       string
		ActivatesAt time.Time `json:"activates_at"`
	}
}

func (r rotation) next(t *testing.T) (string, time.Time) {
	t.Helper()
	for _, k := range r.Keys {
		if k.State == "next" {
			return k.Kid, k.ActivatesAt
		}
	}
	t.Fatalf("no next key in %+v", r)
	return "", time.Time{}
}

// jwkCache is a jwx jwk.Cache of the server's JWKS that honours its
// Cache-Control max-age (the minimum interval lowered from jwx's 15
// minutes to 1 s, or it would ignore a shorter max-age), counting fetches.
func jwkCache(t *testing.T, s *server) (func() jwk.Set, *countingTransport) {
	t.Helper()
	url := s.URL + "/.well-known/jwks.json"
	cache, err := jwk.NewCache(t.Context(), httprc.NewClient())
	if err != nil {
		t.Fatal(err)
	}
	fetches := &countingTransport{}
	err = cache.Register(t.Context(), url, jwk.WithMinInterval(time.Second),
		jwk.WithHTTPClient(&http.Client{Transport: fetches, Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return func() jwk.Set {
		set, err := cache.Lookup(t.Context(), url) // the cached copy: never a fetch
		if err != nil {
			t.Fatal(err)
		}
		return set
	}, fetches
}

func verifyWith(set jwk.Set, token string) error {
	_, err := jwt.Parse([]byte(token), jwt.WithKeySet(set), jwt.WithValidate(true))
	return err
}

// TestJWKCacheAcrossStagedRotation: a jwx jwk.Cache, fetching the JWKS
// only as its Cache-Control says, verifies every token issued across a
// staged `keys rotate`: one every 100 ms from before the rotation until
// two cache lifetimes after the new key's activation. The tokens of the
// new key verify against the copy the cache held just before the
// activation (no fetch was needed when the first of them came), and the
// cache never fetched more often than the max-age allows.
func TestJWKCacheAcrossStagedRotation(t *testing.T) {
	const maxAge = 2 * time.Second
	s := startServer(t, "--jwks-max-age", "2s")
	cached, fetches := jwkCache(t, s)
	p := s.user("jane")
	old := kidOf(t, p.AccessToken)
	var rot rotation
	if err := json.Unmarshal(s.cli("keys", "rotate"), &rot); err != nil {
		t.Fatal(err)
	}
	next, activation := rot.next(t)
	if d := time.Until(activation); d < maxAge-500*time.Millisecond {
		t.Fatalf("the new key signs in %s, before the JWKS max-age (%s) has passed", d, maxAge)
	}
	var beforeActivation jwk.Set
	seen := map[string]int{}
	start := time.Now()
	for time.Now().Before(activation.Add(2 * maxAge)) {
		p = s.refresh(p)
		kid := kidOf(t, p.AccessToken)
		seen[kid]++
		if err := verifyWith(cached(), p.AccessToken); err != nil {
			t.Fatalf("jwk.Cache refused a token of %s issued %s after the activation: %v",
				kid, time.Since(activation).Round(time.Millisecond), err)
		}
		if kid == next && seen[next] == 1 {
			if err := verifyWith(beforeActivation, p.AccessToken); err != nil {
				t.Fatalf("the first token of the new key does not verify with the JWKS cached before the activation: %v", err)
			}
		}
		if time.Until(activation) > 0 {
			beforeActivation = cached()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if seen[old] == 0 || seen[next] == 0 {
		t.Fatalf("tokens per key %v: want both the old key %s and the new key %s", seen, old, next)
	}
	elapsed := time.Since(start)
	if n := fetches.n.Load(); n > int64(elapsed/maxAge)+2 {
		t.Fatalf("%d fetches in %s: more than the max-age (%s) allows", n, elapsed, maxAge)
	}
	t.Logf("tokens per key %v, %d JWKS fetches in %s", seen, fetches.n.Load(), elapsed.Round(time.Millisecond))
}

// TestJWKCacheRotateNow shows why rotation is staged: right after
// `keys rotate --now` the new key signs, and the cache (which holds the
// JWKS as told) refuses its tokens until it refetches.
func TestJWKCacheRotateNow(t *testing.T) {
	s := startServer(t, "--jwks-max-age", "60s")
	cached, _ := jwkCache(t, s)
	p := s.user("nick")
	if err := verifyWith(cached(), p.AccessToken); err != nil {
		t.Fatal(err)
	}
	s.cli("keys", "rotate", "--now")
	p = s.refresh(p)
	if err := verifyWith(cached(), p.AccessToken); err == nil {
		t.Fatal("the cached JWKS verified a token of a key activated at once: the test shows nothing")
	}
}
