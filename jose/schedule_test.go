package jose

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStagedRotationSigns: after a staged rotation both keys are
// published; a token issued before the activation is signed by the old
// key, one issued at or after it by the new key; an emergency rotation
// (activation now) supersedes the staged key, which never signs.
func TestStagedRotationSigns(t *testing.T) {
	clock := epoch
	c, ks := mustCodec(t, "EdDSA", Options{Now: func() time.Time { return clock }})
	old := ks.Keys[0].ID
	next, err := NewKey("ES256", epoch)
	if err != nil {
		t.Fatal(err)
	}
	at := epoch.Add(5 * time.Minute)
	ks.RotateAt(next, at)
	if err := c.SetKeySet(ks); err != nil {
		t.Fatal(err)
	}
	if n := len(c.JWKS().Keys); n != 2 {
		t.Fatalf("published %d keys, want both", n)
	}
	if algs := c.SigningAlgs(); !slices.Equal(algs, []string{"EdDSA", "ES256"}) {
		t.Fatalf("SigningAlgs = %v", algs)
	}
	for _, tc := range []struct {
		name string
		iat  time.Time
		kid  string
	}{
		{"BeforeActivation", at.Add(-time.Millisecond), old},
		{"AtActivation", at, next.ID},
		{"After", at.Add(time.Hour), next.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := claims()
			cl.IssuedAt, cl.ExpiresAt = tc.iat, tc.iat.Add(5*time.Minute)
			clock = tc.iat
			got, err := c.Parse(mustSign(t, c, cl))
			if err != nil {
				t.Fatal(err)
			}
			if got.KeyID != tc.kid {
				t.Fatalf("signed by %s, want %s", got.KeyID, tc.kid)
			}
			list, err := c.SignStatusList("https://tm.test/statuslists/1", tc.iat, tc.iat.Add(time.Hour), time.Minute, 1, "eNoDAAAAAAE")
			if err != nil {
				t.Fatal(err)
			}
			if kid := headerKid(t, list); kid != tc.kid {
				t.Fatalf("status list signed by %s, want %s", kid, tc.kid)
			}
		})
	}
	now := epoch.Add(time.Minute)
	urgent, _ := NewKey("EdDSA", now)
	ks.RotateAt(urgent, now)
	if err := c.SetKeySet(ks); err != nil {
		t.Fatal(err)
	}
	for _, iat := range []time.Time{now, at, at.Add(time.Hour)} {
		if k := c.keys.Load().signs.signer(iat); k.ID != urgent.ID {
			t.Fatalf("signer at %v is %s, want the emergency key", iat, k.ID)
		}
	}
}

// headerKid returns the kid of a compact JWS.
func headerKid(t *testing.T, raw string) string {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	var hdr struct{ Kid string }
	if err != nil || json.Unmarshal(b, &hdr) != nil {
		t.Fatalf("header %q: %v", h, err)
	}
	return hdr.Kid
}
