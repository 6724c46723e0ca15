package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// The hostile-token cases of issue 5 (RFC 8725, the OWASP JWT cheat
// sheet), one table per group. Every case must be refused by Parse with
// EInvalidToken (a 401 over HTTP), with a message that does not echo the
// token. Tokens are built by hand with forge, so a case can hold exactly
// the header and payload an attacker would send.

// secOpts is the policy of the codecs under attack.
var secOpts = Options{Issuer: "https://tm.test", Audience: []string{"api"}, Leeway: time.Second}

// asymAlgs are the algorithms whose public key an attacker can know.
var asymAlgs = []string{"EdDSA", "ES256", "RS256"}

func b64(s string) string { return enc.EncodeToString([]byte(s)) }

// forge signs header and payload (JSON text, kept as it is) with key
// under method: anything a holder of key could send.
func forge(t testing.TB, m jwt.SigningMethod, key any, header, payload string) string {
	t.Helper()
	in := b64(header) + "." + b64(payload)
	sig, err := m.Sign(in, key)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + enc.EncodeToString(sig)
}

// forgeServer signs with the codec's own active key: what a bug in a
// signer sharing the key, or a stolen key, could produce.
func forgeServer(t testing.TB, c *Codec, header, payload string) string {
	t.Helper()
	k := c.keys.Load().active
	return forge(t, k.method, k.priv, header, payload)
}

// attackerKey is a fresh key of alg that the server does not know.
func attackerKey(t testing.TB, alg string) *parsedKey {
	t.Helper()
	sk, err := NewKey(alg, epoch)
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hdr returns a header of our shape with alg and kid.
func hdr(alg, kid string) string {
	return fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":"at+jwt"}`, alg, kid)
}

// validPayload is the payload of claims(), valid for the secOpts codecs.
func validPayload(t testing.TB) string {
	t.Helper()
	b, err := json.Marshal(fromClaims(claims()))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantRefused checks that c refuses raw with EInvalidToken, that the
// message does not echo the token, and that it mentions why (when set).
func wantRefused(t *testing.T, c *Codec, raw, why string) {
	t.Helper()
	cl, err := c.Parse(raw)
	if err == nil {
		t.Fatalf("accepted: %+v", cl)
	}
	if code := tokenmanager.ErrorCode(err); code != tokenmanager.EInvalidToken {
		t.Fatalf("Parse = %v (code %q), want %s", err, code, tokenmanager.EInvalidToken)
	}
	msg := tokenmanager.ErrorMessage(err)
	if len(raw) > 8 && strings.Contains(msg, raw) || len(msg) > 200 {
		t.Fatalf("the message echoes the token or is too long: %.300s", msg)
	}
	if !strings.Contains(msg, why) {
		t.Fatalf("message %q does not say %q", msg, why)
	}
}

func TestAlgNone(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", secOpts)
	kid, payload := ks.Keys[0].ID, b64(validPayload(t))
	sig := strings.Split(mustSign(t, c, claims()), ".")[2]
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		for _, tc := range []struct{ name, header, sig string }{
			{"Unsigned", hdr(alg, kid), ""},
			{"UnsignedNoKid", `{"alg":"` + alg + `","typ":"at+jwt"}`, ""},
			{"WithValidSignature", hdr(alg, kid), sig},
			{"WithGarbageSignature", hdr(alg, kid), b64("signature")},
		} {
			t.Run(alg+"/"+tc.name, func(t *testing.T) {
				wantRefused(t, c, b64(tc.header)+"."+payload+"."+tc.sig, "alg")
			})
		}
	}
}

// TestAlgorithmConfusion signs HS256 tokens with the server's public key
// in every form an attacker can get it in: the key is bound to its own
// algorithm, so the HMAC is never checked against it.
func TestAlgorithmConfusion(t *testing.T) {
	for _, alg := range asymAlgs {
		c, ks := mustCodec(t, alg, secOpts)
		kid, payload, pub := ks.Keys[0].ID, validPayload(t), c.keys.Load().active.pub
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		jwk, _ := json.Marshal(c.JWKS().Keys[0])
		jwks, _ := json.Marshal(c.JWKS())
		other := map[string]string{"EdDSA": "ES256", "ES256": "RS256", "RS256": "EdDSA"}[alg]
		ak := attackerKey(t, other)
		for _, tc := range []struct {
			name string
			tok  string
		}{
			{"HS256WithPEM", forge(t, jwt.SigningMethodHS256, pemKey, hdr("HS256", kid), payload)},
			{"HS256WithPEMTrimmed", forge(t, jwt.SigningMethodHS256, []byte(strings.TrimSpace(string(pemKey))), hdr("HS256", kid), payload)},
			{"HS256WithDER", forge(t, jwt.SigningMethodHS256, der, hdr("HS256", kid), payload)},
			{"HS256WithJWK", forge(t, jwt.SigningMethodHS256, jwk, hdr("HS256", kid), payload)},
			{"HS256WithJWKSet", forge(t, jwt.SigningMethodHS256, jwks, hdr("HS256", kid), payload)},
			{"HS256WithRawKey", forge(t, jwt.SigningMethodHS256, rawPublic(pub), hdr("HS256", kid), payload)},
			{"OtherAsymmetricAlg", forge(t, ak.method, ak.priv, hdr(other, kid), payload)},
		} {
			t.Run(alg+"/"+tc.name, func(t *testing.T) { wantRefused(t, c, tc.tok, "") })
		}
	}
	t.Run("RS256/PS256WithTheRealKey", func(t *testing.T) {
		// A valid signature by the server's own RSA key, under another
		// RSA algorithm: still refused, the key signs RS256 only.
		c, ks := mustCodec(t, "RS256", secOpts)
		tok := forge(t, jwt.SigningMethodPS256, c.keys.Load().active.priv, hdr("PS256", ks.Keys[0].ID), validPayload(t))
		wantRefused(t, c, tok, "")
	})
}

// rawPublic is the bare public key bytes: Ed25519 point, EC point, RSA modulus.
func rawPublic(pub any) []byte {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return k
	case *ecdsa.PublicKey:
		b, _ := k.Bytes()
		return b
	case *rsa.PublicKey:
		return k.N.Bytes()
	}
	return nil
}

func TestSignatureTampering(t *testing.T) {
	for _, alg := range Algs {
		c, ks := mustCodec(t, alg, secOpts)
		p := strings.Split(mustSign(t, c, claims()), ".")
		sig, _ := enc.DecodeString(p[2])
		other := strings.Split(mustSign(t, c, &tokenmanager.Claims{Issuer: "https://tm.test", Subject: "mallory",
			Audience: []string{"api"}, IssuedAt: epoch, ExpiresAt: epoch.Add(time.Hour), ID: "jti-2"}), ".")
		flipped := append([]byte(nil), sig...)
		flipped[len(flipped)/2] ^= 1
		admin := strings.Replace(validPayload(t), `"sub":"alice"`, `"sub":"admin"`, 1)
		reordered := fmt.Sprintf(`{"typ":"at+jwt","kid":%q,"alg":%q}`, ks.Keys[0].ID, alg)
		cases := map[string]string{
			"EmptySignature":          p[0] + "." + p[1] + ".",
			"TruncatedSignature":      p[0] + "." + p[1] + "." + p[2][:len(p[2])/8*4],
			"SignatureMissingOneByte": p[0] + "." + p[1] + "." + enc.EncodeToString(sig[:len(sig)-1]),
			"SignatureExtended":       p[0] + "." + p[1] + "." + enc.EncodeToString(append(sig, 0)),
			"SignatureBitFlipped":     p[0] + "." + p[1] + "." + enc.EncodeToString(flipped),
			"SignatureAllZero":        p[0] + "." + p[1] + "." + enc.EncodeToString(make([]byte, len(sig))),
			"SignatureOfAnotherToken": p[0] + "." + p[1] + "." + other[2],
			"AlteredPayload":          p[0] + "." + b64(admin) + "." + p[2],
			"PayloadOfAnotherToken":   p[0] + "." + other[1] + "." + p[2],
			"AlteredHeader":           b64(reordered) + "." + p[1] + "." + p[2],
		}
		for name, raw := range algSpecific(t, alg, p[0]+"."+p[1], sig) {
			cases[name] = raw
		}
		for name, raw := range cases {
			t.Run(alg+"/"+name, func(t *testing.T) { wantRefused(t, c, raw, "signature") })
		}
	}
}

// algSpecific are the degenerate signatures of one algorithm: ECDSA with
// r or s zero or out of range (Go's ecdsa.Verify refuses them), and the
// Ed25519 signature with S + L, which verifies on lax implementations.
func algSpecific(t *testing.T, alg, input string, sig []byte) map[string]string {
	t.Helper()
	with := func(b []byte) string { return input + "." + enc.EncodeToString(b) }
	switch alg {
	case "ES256":
		zero, n := make([]byte, 32), p256N().FillBytes(make([]byte, 32))
		return map[string]string{
			"RZero":     with(append(append([]byte{}, zero...), sig[32:]...)),
			"SZero":     with(append(append([]byte{}, sig[:32]...), zero...)),
			"RAndSZero": with(make([]byte, 64)),
			"RIsN":      with(append(append([]byte{}, n...), sig[32:]...)),
			"SIsN":      with(append(append([]byte{}, sig[:32]...), n...)),
		}
	case "EdDSA":
		return map[string]string{"NonCanonicalS": with(ed25519SPlusL(sig))}
	}
	return nil
}

// p256N is the order of the P-256 group.
func p256N() *big.Int {
	n, _ := new(big.Int).SetString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)
	return n
}

// ed25519SPlusL returns sig with its scalar S replaced by S + L (the
// group order), the same signature to a verifier that skips the
// canonical-S check.
func ed25519SPlusL(sig []byte) []byte {
	l, _ := new(big.Int).SetString("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 16)
	le := func(b []byte) []byte { // little-endian <-> big-endian
		r := make([]byte, len(b))
		for i := range b {
			r[len(b)-1-i] = b[i]
		}
		return r
	}
	s := new(big.Int).SetBytes(le(sig[32:]))
	s.Add(s, l)
	return append(append([]byte{}, sig[:32]...), le(s.FillBytes(make([]byte, 32)))...)
}

// TestKeyMaterialInHeader sends tokens signed by an attacker's key that
// name that key in the header, in every way JOSE allows. Keys come from
// the server's own key set by kid, never from the token.
func TestKeyMaterialInHeader(t *testing.T) {
	for _, alg := range asymAlgs {
		c, ks := mustCodec(t, alg, secOpts)
		ak := attackerKey(t, alg)
		jwk, _ := publicJWK(ak.pub)
		jwk.Kid, jwk.Alg = ak.ID, alg
		cert := selfSigned(t, ak)
		params := map[string]any{
			"JWK": map[string]any{"jwk": jwk},
			"JKU": map[string]any{"jku": "https://attacker.test/jwks.json"},
			"X5U": map[string]any{"x5u": "https://attacker.test/cert.pem"},
			"X5C": map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(cert)}},
			"X5T": map[string]any{"x5t#S256": "AAAA"},
		}
		kids := map[string]any{"ServerKid": ks.Keys[0].ID, "AttackerKid": ak.ID, "NoKid": nil}
		for pname, p := range params {
			for kname, kid := range kids {
				h := map[string]any{"alg": alg, "typ": "at+jwt"}
				for k, v := range p.(map[string]any) {
					h[k] = v
				}
				if kid != nil {
					h["kid"] = kid
				}
				hj, _ := json.Marshal(h)
				tok := forge(t, ak.method, ak.priv, string(hj), validPayload(t))
				t.Run(alg+"/"+pname+"/"+kname, func(t *testing.T) { wantRefused(t, c, tok, "") })
			}
		}
	}
}

// selfSigned is a certificate for k's public key, as an x5c would carry.
func selfSigned(t *testing.T, k *parsedKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tm.test"},
		NotBefore: epoch.Add(-time.Hour), NotAfter: epoch.Add(time.Hour)}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, k.pub, k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestHostileKid: kids that look like paths, SQL or shell are looked up
// in a map of our own keys, nothing else, and are unknown.
func TestHostileKid(t *testing.T) {
	c, _ := mustCodec(t, "EdDSA", secOpts)
	ak := attackerKey(t, "EdDSA")
	for _, tc := range []struct {
		name string
		kid  any
	}{
		{"PathTraversal", "../../dev/null"},
		{"AbsolutePath", "/dev/null"},
		{"SQLUnion", "' UNION SELECT"},
		{"SQLKey", "x' UNION SELECT 'secret' --"},
		{"ShellPipe", "|sleep 10"},
		{"ShellSubstitution", "$(sleep 10)"},
		{"Empty", ""},
		{"Long", strings.Repeat("k", 2000)},
		{"Number", 1},
		{"Object", map[string]any{"kid": "x"}},
		{"Null", nil},
	} {
		h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": tc.kid})
		devNull := forge(t, jwt.SigningMethodHS256, []byte{0}, string(h), validPayload(t))
		h, _ = json.Marshal(map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": tc.kid})
		attacker := forge(t, ak.method, ak.priv, string(h), validPayload(t))
		for name, tok := range map[string]string{"HS256": devNull, "AttackerEdDSA": attacker} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				start := time.Now()
				wantRefused(t, c, tok, "unknown kid")
				if d := time.Since(start); d > 2*time.Second {
					t.Fatalf("took %s", d)
				}
			})
		}
	}
}

// TestHeaderRules: crit, typ and parameters we never set, on tokens
// signed with the server's own key. The OK rows are the boundary.
func TestHeaderRules(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", secOpts)
	kid, payload := ks.Keys[0].ID, validPayload(t)
	base := `{"alg":"EdDSA","kid":"` + kid + `"`
	for _, tc := range []struct {
		name, header, why string
		ok                bool
	}{
		{"OK", base + `,"typ":"at+jwt"}`, "", true},
		{"OKApplicationAtJWT", base + `,"typ":"application/at+jwt"}`, "", true},
		{"CritUnknown", base + `,"typ":"at+jwt","crit":["urn:x"],"urn:x":1}`, "crit", false},
		{"CritExp", base + `,"typ":"at+jwt","crit":["exp"]}`, "crit", false},
		{"CritEmpty", base + `,"typ":"at+jwt","crit":[]}`, "crit", false},
		{"CritB64", base + `,"typ":"at+jwt","crit":["b64"],"b64":false}`, "crit", false},
		{"B64False", base + `,"typ":"at+jwt","b64":false}`, "b64", false},
		{"TypJWT", base + `,"typ":"JWT"}`, "typ", false},
		{"TypMissing", base + `}`, "typ", false},
		{"TypEmpty", base + `,"typ":""}`, "typ", false},
		{"TypNumber", base + `,"typ":1}`, "typ", false},
		{"TypDPoP", base + `,"typ":"dpop+jwt"}`, "typ", false},
		{"TypWithParameters", base + `,"typ":"at+jwt; x=y"}`, "typ", false},
		{"CtyJWT", base + `,"typ":"at+jwt","cty":"JWT"}`, "cty", false},
		{"Zip", base + `,"typ":"at+jwt","zip":"DEF"}`, "zip", false},
		{"Enc", base + `,"typ":"at+jwt","enc":"A256GCM"}`, "enc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := forgeServer(t, c, tc.header, payload)
			if tc.ok {
				if _, err := c.Parse(tok); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRefused(t, c, tok, tc.why)
		})
	}
}
