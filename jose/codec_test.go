package jose

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func mustCodec(t testing.TB, alg string, opts Options) (*Codec, *tokenmanager.KeySet) {
	t.Helper()
	ks, err := NewKeySet(alg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return epoch.Add(time.Second) }
	}
	c, err := NewCodec(ks, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, ks
}

func claims() *tokenmanager.Claims {
	return &tokenmanager.Claims{
		Issuer: "https://tm.test", Subject: "alice", Audience: []string{"api"},
		IssuedAt: epoch.Add(123 * time.Millisecond), ExpiresAt: epoch.Add(5 * time.Minute),
		ID: "jti-1", SessionID: "sid-1",
	}
}

func mustSign(t testing.TB, c *Codec, cl *tokenmanager.Claims) string {
	t.Helper()
	s, err := c.Sign(cl)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range Algs {
		t.Run(alg, func(t *testing.T) {
			c, _ := mustCodec(t, alg, Options{Issuer: "https://tm.test", Audience: []string{"api"}})
			got, err := c.Parse(mustSign(t, c, claims()))
			if err != nil {
				t.Fatal(err)
			}
			want := claims()
			if got.Subject != want.Subject || got.ID != want.ID || got.SessionID != want.SessionID ||
				!got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || got.KeyID == "" {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", Options{})
	tok, _, err := jwt.NewParser().ParseUnverified(mustSign(t, c, claims()), jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header["typ"] != "at+jwt" || tok.Header["kid"] != ks.Keys[0].ID || tok.Header["alg"] != "EdDSA" {
		t.Fatalf("header %v", tok.Header)
	}
}

func TestRefused(t *testing.T) {
	c, ks := mustCodec(t, "ES256", Options{Issuer: "https://tm.test", Audience: []string{"api"}, Leeway: time.Second})
	good := mustSign(t, c, claims())
	parts := strings.Split(good, ".")
	pub := c.keys.Load().active.pub
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	with := func(f func(*tokenmanager.Claims)) string {
		cl := claims()
		f(cl)
		return mustSign(t, c, cl)
	}
	hs := func(key []byte, hdr map[string]any) string {
		tk := jwt.NewWithClaims(jwt.SigningMethodHS256, fromClaims(claims()))
		for k, v := range hdr {
			tk.Header[k] = v
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	kid := ks.Keys[0].ID
	header := func(h string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(h)) + "." + parts[1] + "." + parts[2]
	}
	cases := map[string]string{
		"Empty":              "",
		"Garbage":            "not a token",
		"TwoParts":           parts[0] + "." + parts[1],
		"FiveParts":          good + ".a.b",
		"ManyDots":           strings.Repeat(".", 5000),
		"TooLarge":           parts[0] + "." + strings.Repeat("A", 5000) + "." + parts[2],
		"NotBase64":          parts[0] + ".!!!." + parts[2],
		"NoSignature":        parts[0] + "." + parts[1] + ".",
		"TruncatedSignature": parts[0] + "." + parts[1] + "." + parts[2][:10],
		"AlteredPayload":     parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","jti":"x","iat":1,"exp":9999999999}`)) + "." + parts[2],
		"AlgNone":            header(`{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`),
		"AlgNONE":            header(`{"alg":"NONE","typ":"at+jwt","kid":"` + kid + `"}`),
		"ConfusionPEM":       hs(pemKey, map[string]any{"kid": kid, "typ": "at+jwt"}),
		"ConfusionDER":       hs(der, map[string]any{"kid": kid, "typ": "at+jwt"}),
		"UnknownKid":         hs([]byte(strings.Repeat("k", 32)), map[string]any{"kid": "../../dev/null", "typ": "at+jwt"}),
		"Crit":               header(`{"alg":"ES256","typ":"at+jwt","kid":"` + kid + `","crit":["exp"]}`),
		"WrongTyp":           header(`{"alg":"ES256","typ":"JWT","kid":"` + kid + `"}`),
		"Expired":            with(func(c *tokenmanager.Claims) { c.ExpiresAt = epoch.Add(-time.Minute) }),
		"NotYetValid":        with(func(c *tokenmanager.Claims) { c.NotBefore = epoch.Add(time.Minute) }),
		"IssuedInFuture":     with(func(c *tokenmanager.Claims) { c.IssuedAt = epoch.Add(time.Minute) }),
		"WrongIssuer":        with(func(c *tokenmanager.Claims) { c.Issuer = "https://evil.test" }),
		"WrongAudience":      with(func(c *tokenmanager.Claims) { c.Audience = []string{"other"} }),
		"NoSubject":          with(func(c *tokenmanager.Claims) { c.Subject = "" }),
		"NoJTI":              with(func(c *tokenmanager.Claims) { c.ID = "" }),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.Parse(raw)
			if code := tokenmanager.ErrorCode(err); code != tokenmanager.EInvalidToken {
				t.Fatalf("Parse = %v (code %q), want %s", err, code, tokenmanager.EInvalidToken)
			}
			if raw != "" && strings.Contains(err.Error(), raw) {
				t.Fatal("the error echoes the token")
			}
		})
	}
}

func TestJWKS(t *testing.T) {
	for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
		c, ks := mustCodec(t, alg, Options{})
		set := c.JWKS()
		if len(set.Keys) != 1 || set.Keys[0].Kid != ks.Keys[0].ID || set.Keys[0].Alg != alg {
			t.Fatalf("%s: JWKS %+v", alg, set)
		}
	}
	c, _ := mustCodec(t, "HS256", Options{})
	if n := len(c.JWKS().Keys); n != 0 {
		t.Fatalf("HS256 key published in the JWKS (%d keys)", n)
	}
}

func TestHMACKeyTooShort(t *testing.T) {
	if _, err := NewHMACKey([]byte("short"), epoch); tokenmanager.ErrorCode(err) != tokenmanager.EInvalid {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewHMACKey(make([]byte, 32), epoch); err != nil {
		t.Fatal(err)
	}
}

func TestRotationKeepsOldKeysVerifying(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", Options{})
	old := mustSign(t, c, claims())
	k, err := NewKey("EdDSA", epoch)
	if err != nil {
		t.Fatal(err)
	}
	ks.Keys[0].RetiredAt = epoch
	ks.Keys = append(ks.Keys, k)
	if err := c.SetKeySet(ks); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Parse(old); err != nil {
		t.Fatalf("old token refused after rotation: %v", err)
	}
	cl, err := c.Parse(mustSign(t, c, claims()))
	if err != nil || cl.KeyID != k.ID {
		t.Fatalf("new token: %v, kid %q want %q", err, cl.KeyID, k.ID)
	}
}

// TestCheapToVerify: only HMAC keys are cheap; an unknown kid is not.
func TestCheapToVerify(t *testing.T) {
	for _, alg := range []string{"HS256", "EdDSA", "ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			ks, err := NewKeySet(alg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewCodec(ks, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.CheapToVerify(ks.Keys[0].ID), alg == "HS256"; got != want {
				t.Fatalf("CheapToVerify = %v, want %v", got, want)
			}
			if c.CheapToVerify("no-such-kid") {
				t.Fatal("an unknown kid is cheap")
			}
		})
	}
}
