package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// jwksKids returns the kids the server publishes.
func (s *testServer) jwksKids() []string {
	s.t.Helper()
	r := s.do("GET", "/.well-known/jwks.json", "", nil)
	expect(s.t, r, 200, "jwks")
	var set struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(r.Body, &set); err != nil {
		s.t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
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

// keyStates is the output of keys list: kid -> state.
func keyStates(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var list struct {
		Keys []struct{ Kid, State string }
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("keys list: %s (%v)", body, err)
	}
	states := map[string]string{}
	for _, k := range list.Keys {
		states[k.Kid] = k.State
	}
	return states
}

// activationOf returns the activates_at of the next key in a keys summary.
func activationOf(t *testing.T, body []byte) time.Time {
	t.Helper()
	var list struct {
		Keys []struct {
			State       string
			ActivatesAt time.Time `json:"activates_at"`
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	for _, k := range list.Keys {
		if k.State == "next" {
			return k.ActivatesAt
		}
	}
	t.Fatalf("no next key in %s", body)
	return time.Time{}
}

// TestKeyRotation rotates the signing key through the admin socket (staged:
// --jwks-max-age 1s) while a token of the old key is still valid: the new
// key is published at once as next and signs only once the JWKS cache
// lifetime has passed; keys list shows the states; the old key's token
// keeps working, and the old key leaves the JWKS once its tokens expired.
func TestKeyRotation(t *testing.T) {
	s := startServer(t, t.TempDir(), "--access-ttl", "2s", "--leeway", "0s", "--key-refresh", "100ms", "--jwks-max-age", "1s")
	old := s.user("rita")
	before := s.jwksKids()
	if len(before) != 1 {
		t.Fatalf("kids before rotation: %v", before)
	}
	sock := adminSocketPath(s.Main.Config)
	res, err := callSocket(context.Background(), sock, request{"POST", "/admin/keys/rotate?alg=ES256", nil})
	if err != nil {
		t.Fatal(err)
	}
	states := keyStates(t, res)
	activation := activationOf(t, res)
	if d := time.Until(activation); d < time.Second || d > time.Second+jwksRefreshSlack {
		t.Fatalf("the new key signs in %s, want --jwks-max-age (1s) plus the refresh slack", d)
	}
	var next string
	for kid, st := range states {
		if kid != before[0] {
			next = kid
		}
		if want := map[bool]string{true: "active", false: "next"}[kid == before[0]]; st != want {
			t.Fatalf("right after rotation %s is %s, want %s (%s)", kid, st, want, res)
		}
	}
	if kids := s.jwksKids(); len(kids) != 2 {
		t.Fatalf("kids right after rotation: %v, want the old and the new", kids)
	}
	if kid := kidOf(t, s.user("rita").AccessToken); kid != before[0] {
		t.Fatalf("a token right after the staged rotation is signed by %s, want the old key %s", kid, before[0])
	}
	expect(t, s.do("GET", "/account", old.AccessToken, nil), 200, "old key's token after rotation")
	time.Sleep(time.Until(activation) + 50*time.Millisecond)
	fresh := s.user("rita")
	if kid := kidOf(t, fresh.AccessToken); kid != next {
		t.Fatalf("a token after the JWKS max-age is signed by %s, want the new key %s", kid, next)
	}
	expect(t, s.do("GET", "/account", fresh.AccessToken, nil), 200, "new key's token")
	listed, err := callSocket(context.Background(), sock, request{"GET", "/admin/keys", nil})
	if err != nil {
		t.Fatal(err)
	}
	if st := keyStates(t, listed); st[before[0]] != "retiring" || st[next] != "active" {
		t.Fatalf("keys list after the activation: %s", listed)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.jwksKids()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the old key is still published: %v", s.jwksKids())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if kids := s.jwksKids(); kids[0] != next {
		t.Fatalf("published %v, want only the new key %s", kids, next)
	}
	expect(t, s.do("GET", "/account", old.AccessToken, nil), 401, "old key's token once expired")
}

// TestKeyRotateNow: --now makes the new key sign at once (an emergency).
func TestKeyRotateNow(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	before := s.jwksKids()
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"keys", "rotate", "--data-dir", dir, "--now"}, &out, &errs); code != 0 {
		t.Fatalf("keys rotate --now: exit %d: %s", code, errs.String())
	}
	if kid := kidOf(t, s.user("ron").AccessToken); kid == before[0] {
		t.Fatalf("a token right after rotate --now is signed by the old key %s", kid)
	}
}

// TestKeysCommandOffline rotates and lists keys with no server running.
func TestKeysCommandOffline(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.Main.Close()
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"keys", "rotate", "--data-dir", dir, "--alg", "RS256"}, &out, &errs); code != 0 {
		t.Fatalf("keys rotate: exit %d: %s", code, errs.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"keys", "list", "--data-dir", dir}, &out, &errs); code != 0 {
		t.Fatalf("keys list: exit %d: %s", code, errs.String())
	}
	var list struct {
		Keys []struct{ Alg string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out.String()), &list); err != nil || len(list.Keys) != 2 || list.Keys[1].Alg != "RS256" {
		t.Fatalf("keys list: %s (%v)", out.String(), err)
	}
	if code := run(context.Background(), []string{"keys", "spin", "--data-dir", dir}, &out, &errs); code == 0 {
		t.Fatal("an unknown keys subcommand succeeded")
	}
	s = startServer(t, dir) // no --alg: follows the stored key
	expect(t, s.do("GET", "/account", s.user("sam").AccessToken, nil), 200, "token of the rotated key")
}
