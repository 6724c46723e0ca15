package interop

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// This file is a Token Status List verifier written from
// draft-ietf-oauth-status-list alone (sections 4 to 8): it knows nothing of
// the server's code, only the JWKS, the token's status claim and the list.

// statusClaim is a Referenced Token's status claim (section 6.2).
type statusClaim struct {
	Status struct {
		StatusList struct {
			Idx *uint64 `json:"idx"`
			URI string  `json:"uri"`
		} `json:"status_list"`
	} `json:"status"`
}

// referencedStatus reads the status claim of an access token.
func referencedStatus(t *testing.T, token string) (uint64, string) {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c statusClaim
	if err := json.Unmarshal(payload, &c); err != nil || c.Status.StatusList.Idx == nil || c.Status.StatusList.URI == "" {
		t.Fatalf("the token has no status claim with idx and uri: %s (%v)", payload, err)
	}
	return *c.Status.StatusList.Idx, c.Status.StatusList.URI
}

// jwkSet is the part of a JWKS this verifier reads: Ed25519 keys.
type jwkSet struct {
	Keys []struct {
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
	} `json:"keys"`
}

// tokenStatus resolves the status of a Referenced Token as section 8.3
// says: fetch the Status List Token from the uri, verify its signature
// with the issuer's JWKS, check typ, sub, exp and ttl, decompress the list
// and read the entry.
func tokenStatus(t *testing.T, jwksURL, token string) int {
	t.Helper()
	idx, uri := referencedStatus(t, token)
	req, _ := http.NewRequest("GET", uri, nil)
	req.Header.Set("Accept", "application/statuslist+jwt")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/statuslist+jwt" {
		t.Fatalf("GET %s: %s, Content-Type %q", uri, res.Status, res.Header.Get("Content-Type"))
	}
	parts := strings.Split(string(body), ".")
	if len(parts) != 3 {
		t.Fatalf("the Status List Token is not a compact JWS: %q", body)
	}
	var header struct{ Alg, Kid, Typ string }
	mustJSON(t, parts[0], &header)
	if header.Typ != "statuslist+jwt" || header.Alg != "EdDSA" {
		t.Fatalf("header %+v: want typ statuslist+jwt (and EdDSA, the server's default)", header)
	}
	verifyEdDSA(t, jwksURL, header.Kid, parts)
	var claims struct {
		Sub        string   `json:"sub"`
		Iat        *float64 `json:"iat"`
		Exp        float64  `json:"exp"`
		TTL        float64  `json:"ttl"`
		StatusList struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	mustJSON(t, parts[1], &claims)
	switch {
	case claims.Sub != uri:
		t.Fatalf("sub %q is not the token's uri %q", claims.Sub, uri)
	case claims.Iat == nil:
		t.Fatal("the Status List Token has no iat")
	case claims.Exp != 0 && time.Unix(int64(claims.Exp), 0).Before(time.Now()):
		t.Fatal("the Status List Token has expired")
	case claims.TTL <= 0:
		t.Fatalf("ttl %v is not a positive number", claims.TTL)
	}
	return readEntry(t, claims.StatusList.Bits, claims.StatusList.Lst, idx)
}

// readEntry decompresses lst (base64url of ZLIB) and reads entry idx of
// bits bits: entries are packed from the least significant bit of each
// byte (section 4.1).
func readEntry(t *testing.T, bits int, lst string, idx uint64) int {
	t.Helper()
	if bits != 1 && bits != 2 && bits != 4 && bits != 8 {
		t.Fatalf("bits = %d", bits)
	}
	z, err := base64.RawURLEncoding.DecodeString(lst)
	if err != nil {
		t.Fatalf("lst is not base64url: %v", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("lst is not ZLIB: %v", err)
	}
	list, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	bit := idx * uint64(bits)
	if bit/8 >= uint64(len(list)) {
		t.Fatalf("index %d is out of bounds of a list of %d bytes: the token must be rejected", idx, len(list))
	}
	return int(list[bit/8]>>(bit%8)) & (1<<bits - 1)
}

func verifyEdDSA(t *testing.T, jwksURL, kid string, parts []string) {
	t.Helper()
	res, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	var set jwkSet
	json.NewDecoder(res.Body).Decode(&set)
	res.Body.Close()
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid != kid || k.Kty != "OKP" || k.Crv != "Ed25519" {
			continue
		}
		pub, _ := base64.RawURLEncoding.DecodeString(k.X)
		if len(pub) == ed25519.PublicKeySize && ed25519.Verify(ed25519.PublicKey(pub), []byte(parts[0]+"."+parts[1]), sig) {
			return
		}
		t.Fatal("the Status List Token's signature does not verify with its JWKS key")
	}
	t.Fatalf("no Ed25519 key %q in the JWKS", kid)
}

func mustJSON(t *testing.T, segment string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil || json.Unmarshal(b, v) != nil {
		t.Fatalf("segment %q is not base64url JSON", segment)
	}
}

// send makes an authenticated request and checks its status.
func send(t *testing.T, method, url, token string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d: %s", method, url, res.Status, want, b)
	}
	return b
}

// statusWalk cancels a token, a session and a user through the server
// `cancel` (another instance on a shared store) and reads every list from
// `read`: a fresh token is 0 (VALID), every cancelled one 1 (INVALID).
func statusWalk(t *testing.T, read, cancel *server) {
	alice := read.user("alice")
	aliceOther := signInAs(t, read, "alice", "other device")
	bob := read.user("bob")
	carol := read.user("carol")
	carolPhone := signInAs(t, read, "carol", "phone")
	root := read.user("root")
	jwks := read.URL + "/.well-known/jwks.json"
	for name, tok := range map[string]string{"alice": alice.AccessToken, "bob": bob.AccessToken, "carol": carol.AccessToken} {
		if got := tokenStatus(t, jwks, tok); got != 0 {
			t.Fatalf("%s's fresh token has status %d, want 0 (VALID)", name, got)
		}
	}
	send(t, "POST", cancel.URL+"/tokens/cancel", alice.AccessToken, http.StatusNoContent)
	send(t, "POST", cancel.URL+"/sign-out?scope=local", bob.AccessToken, http.StatusNoContent)
	send(t, "POST", cancel.URL+"/admin/users/carol/cancel", root.AccessToken, http.StatusNoContent)
	for _, c := range []struct {
		name, token string
		want        int
	}{
		{"a cancelled token", alice.AccessToken, 1},
		{"another token of the same user", aliceOther.AccessToken, 0},
		{"a token of a cancelled session", bob.AccessToken, 1},
		{"a token of a cancelled user", carol.AccessToken, 1},
		{"the other device of a cancelled user", carolPhone.AccessToken, 1},
		{"an admin's token", root.AccessToken, 0},
	} {
		if got := tokenStatus(t, jwks, c.token); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
}

func TestStatusListEmbeddedStore(t *testing.T) {
	s := startServer(t)
	statusWalk(t, s, s)
}

// On Redis the lists are shared: a token signed in on one instance and
// cancelled on another reads 1 in the list that the first serves.
func TestStatusListSharedStore(t *testing.T) {
	redis := redistest.Start(t)
	a := startServer(t, "--store", redis.URL())
	b := startServer(t, "--store", redis.URL())
	statusWalk(t, a, b)
}
