package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// TestKeyRotation rotates the signing key through the admin socket while a
// token of the old key is still valid: it keeps working, new tokens use the
// new key, and the old key leaves the JWKS once its tokens have expired.
func TestKeyRotation(t *testing.T) {
	s := startServer(t, t.TempDir(), "--access-ttl", "2s", "--leeway", "0s", "--key-refresh", "100ms")
	old := s.user("rita")
	before := s.jwksKids()
	if len(before) != 1 {
		t.Fatalf("kids before rotation: %v", before)
	}
	res, err := callSocket(context.Background(), adminSocketPath(s.Main.Config), request{"POST", "/admin/keys/rotate?alg=ES256", nil})
	if err != nil {
		t.Fatal(err)
	}
	var summary struct{ Active string }
	if err := json.Unmarshal(res, &summary); err != nil || summary.Active == before[0] {
		t.Fatalf("rotate answered %s (%v)", res, err)
	}
	expect(t, s.do("GET", "/account", old.AccessToken, nil), 200, "old key's token after rotation")
	fresh := s.user("rita")
	expect(t, s.do("GET", "/account", fresh.AccessToken, nil), 200, "new key's token")
	if kids := s.jwksKids(); len(kids) != 2 {
		t.Fatalf("kids right after rotation: %v, want the old and the new", kids)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.jwksKids()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the old key is still published: %v", s.jwksKids())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if kids := s.jwksKids(); kids[0] != summary.Active {
		t.Fatalf("published %v, want only the new key %s", kids, summary.Active)
	}
	expect(t, s.do("GET", "/account", old.AccessToken, nil), 401, "old key's token once expired")
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
