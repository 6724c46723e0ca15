package jose

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// now is the clock of the codecs under test (mustCodec's default).
var now = epoch.Add(time.Second)

// TestClaimRules: claims that are missing, out of time or of the wrong
// issuer, audience or type, in tokens signed with the server's own key.
// The leeway is one second; the OK rows are the boundary.
func TestClaimRules(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", secOpts)
	header := hdr("EdDSA", ks.Keys[0].ID)
	unix := func(d time.Duration) float64 { return float64(now.Add(d).UnixMilli()) / 1000 }
	for _, tc := range []struct {
		name string
		set  map[string]any // claims to set; a nil value deletes the claim
		why  string
		ok   bool
	}{
		{"OK", nil, "", true},
		{"OKAudienceString", map[string]any{"aud": "api"}, "", true},
		{"OKIatWithinLeeway", map[string]any{"iat": unix(500 * time.Millisecond)}, "", true},
		{"OKExpNowWithinLeeway", map[string]any{"exp": unix(0)}, "", true},
		{"MissingExp", map[string]any{"exp": nil}, "exp claim is required", false},
		{"ExpNull", map[string]any{"exp": json.RawMessage("null")}, "exp claim is required", false},
		{"Expired", map[string]any{"exp": unix(-time.Minute)}, "expired", false},
		{"ExpiredBeyondLeeway", map[string]any{"exp": unix(-2 * time.Second)}, "expired", false},
		{"ExpString", map[string]any{"exp": "9999999999"}, "malformed", false},
		{"ExpHuge", map[string]any{"exp": 1e300}, "", false},
		{"NbfString", map[string]any{"nbf": "1"}, "malformed", false},
		{"FutureNbf", map[string]any{"nbf": unix(time.Minute)}, "not valid yet", false},
		{"NbfBeyondLeeway", map[string]any{"nbf": unix(2 * time.Second)}, "not valid yet", false},
		{"WrongIssuer", map[string]any{"iss": "https://evil.test"}, "issuer", false},
		{"IssuerOtherCase", map[string]any{"iss": "HTTPS://TM.TEST"}, "issuer", false},
		{"MissingIssuer", map[string]any{"iss": nil}, "iss claim is required", false},
		{"WrongAudience", map[string]any{"aud": []string{"other"}}, "audience", false},
		{"MissingAudience", map[string]any{"aud": nil}, "aud claim is required", false},
		{"AudienceEmptyArray", map[string]any{"aud": []string{}}, "aud claim is required", false},
		{"AudienceMixedTypes", map[string]any{"aud": []any{"api", 1}}, "malformed", false},
		{"AudienceWithNull", map[string]any{"aud": []any{"api", nil}}, "malformed", false},
		{"AudienceNested", map[string]any{"aud": []any{[]string{"api"}}}, "malformed", false},
		{"AudienceObject", map[string]any{"aud": map[string]bool{"api": true}}, "malformed", false},
		{"IatInFuture", map[string]any{"iat": unix(time.Minute)}, "issued in the future", false},
		{"IatBeyondLeeway", map[string]any{"iat": unix(2 * time.Second)}, "issued in the future", false},
		{"MissingIat", map[string]any{"iat": nil}, "iat", false},
		{"IatString", map[string]any{"iat": "1"}, "malformed", false},
		{"IatNegative", map[string]any{"iat": -1}, "malformed", false},
		{"MissingSub", map[string]any{"sub": nil}, "sub", false},
		{"SubNumber", map[string]any{"sub": 1}, "malformed", false},
		{"MissingJti", map[string]any{"jti": nil}, "jti", false},
		{"PayloadNotObject", map[string]any{"": "array"}, "malformed", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := forgeServer(t, c, header, payloadWith(t, tc.set))
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

// payloadWith is validPayload with set applied ({"": "array"} makes it
// a JSON array instead).
func payloadWith(t *testing.T, set map[string]any) string {
	t.Helper()
	if set[""] == "array" {
		return `[` + validPayload(t) + `]`
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(validPayload(t)), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNotCompactJWS: every form that is not a compact JWS of three
// base64url parts is refused before its parts are decoded.
func TestNotCompactJWS(t *testing.T) {
	c, ks := mustCodec(t, "EdDSA", secOpts)
	good := mustSign(t, c, claims())
	p := strings.Split(good, ".")
	nested := `{"alg":"EdDSA","kid":"` + ks.Keys[0].ID + `","typ":"at+jwt"`
	for _, tc := range []struct{ name, raw, why string }{
		{"Empty", "", "no token"},
		{"JSONFlattened", `{"protected":"` + p[0] + `","payload":"` + p[1] + `","signature":"` + p[2] + `"}`, "compact"},
		{"JSONGeneral", `{"payload":"` + p[1] + `","signatures":[{"protected":"` + p[0] + `","signature":"` + p[2] + `"}]}`, "compact"},
		{"JWEFiveParts", b64(`{"alg":"RSA-OAEP","enc":"A256GCM"}`) + ".a2V5.aXY.Y2lwaGVy.dGFn", "compact"},
		{"JWEDirectEmptyKey", b64(`{"alg":"dir","enc":"A256GCM"}`) + "..aXY.Y2lwaGVy.dGFn", "compact"},
		{"ValidPlusTwoParts", good + ".a.b", "compact"},
		{"TwoParts", p[0] + "." + p[1], "compact"},
		{"OnePart", p[1], "compact"},
		{"ThreeEmptyParts", "..", "malformed"},
		{"NestedWithCty", forgeServer(t, c, nested+`,"cty":"JWT"}`, good), ""},
		{"NestedWithoutCty", forgeServer(t, c, nested+`}`, good), "malformed"},
		{"ThousandsOfDots", strings.Repeat(".", 4000), "compact"},
		{"DotsAfterValid", good + strings.Repeat(".", 2000), "compact"},
		{"StandardBase64Plus", p[0] + "." + p[1] + "+." + p[2], "base64url"},
		{"StandardBase64Slash", p[0] + "." + p[1] + "." + p[2] + "/", "base64url"},
		{"Padding", p[0] + "." + p[1] + "." + p[2] + "==", "base64url"},
		{"Space", p[0] + ". " + p[1] + "." + p[2], "base64url"},
		{"TrailingNewline", good + "\n", "base64url"},
		{"BearerPrefix", "Bearer " + good, "base64url"},
		{"NUL", p[0] + "." + p[1] + "\x00." + p[2], "base64url"},
		{"NonASCII", p[0] + "." + p[1] + "é." + p[2], "base64url"},
		{"JustOverLimit", p[0] + "." + p[1] + strings.Repeat("A", DefaultMaxTokenSize) + "." + p[2], "too large"},
		{"OneMegabyte", p[0] + "." + strings.Repeat("A", 1<<20) + "." + p[2], "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRefused(t, c, tc.raw, tc.why) })
	}
}

// TestOversizeRefusedCheaply shows that a 1 MB token costs next to
// nothing: it is refused on its length, before any decoding, so it
// allocates a small error and not the ~750 KB its decoding would.
func TestOversizeRefusedCheaply(t *testing.T) {
	c, _ := mustCodec(t, "EdDSA", secOpts)
	p := strings.Split(mustSign(t, c, claims()), ".")
	huge := p[0] + "." + strings.Repeat("A", 1<<20) + "." + p[2]
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range runs {
		if _, err := c.Parse(huge); err == nil {
			t.Fatal("accepted")
		}
	}
	elapsed := time.Since(start) / runs
	runtime.ReadMemStats(&after)
	perCall := (after.TotalAlloc - before.TotalAlloc) / runs
	t.Logf("1 MB token refused in %s, %d bytes allocated per call", elapsed, perCall)
	if perCall > 4096 {
		t.Fatalf("refusing a 1 MB token allocated %d bytes per call: it was decoded", perCall)
	}
	if allocs := testing.AllocsPerRun(runs, func() { c.Parse(huge) }); allocs > 4 {
		t.Fatalf("%v allocations per refusal", allocs)
	}
}

// TestNonCanonicalBase64 re-encodes one part of a valid token with
// non-zero trailing bits: the same bytes to a lax decoder, so with the
// signature part the token still verifies without strict decoding (shown
// with a lax golang-jwt parser). The codec decodes strictly and refuses
// every such form.
func TestNonCanonicalBase64(t *testing.T) {
	for _, alg := range Algs {
		c, _ := mustCodec(t, alg, secOpts)
		p := strings.Split(mustSign(t, c, claims()), ".")
		for i, part := range []string{"Header", "Payload", "Signature"} {
			re, ok := nonCanonical(p[i])
			if !ok {
				continue // the part's length leaves no trailing bits
			}
			q := append([]string{}, p...)
			q[i] = re
			raw := strings.Join(q, ".")
			t.Run(alg+"/"+part, func(t *testing.T) {
				if part == "Signature" {
					lax := jwt.NewParser(jwt.WithValidMethods(Algs), jwt.WithTimeFunc(c.opts.Now), jwt.WithLeeway(time.Second))
					if _, err := lax.ParseWithClaims(raw, &wireClaims{}, c.keyFor); err != nil {
						t.Fatalf("the re-encoded signature should verify without strict decoding: %v", err)
					}
				}
				wantRefused(t, c, raw, "malformed")
			})
		}
	}
}

// nonCanonical returns s with its last character's unused low bits set:
// the same bytes to a lax base64url decoder, refused by a strict one.
func nonCanonical(s string) (string, bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	unused := map[int]int{2: 4, 3: 2}[len(s)%4] // trailing bits of the last character
	if unused == 0 {
		return "", false
	}
	v := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[v|1]), true
}
