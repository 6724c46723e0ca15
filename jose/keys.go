// Package jose signs and verifies TokenManager's access tokens with
// golang-jwt/jwt/v5, generates keys, and publishes the public ones as a JWK
// Set. It implements tokenmanager.TokenCodec.
package jose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// DefaultAlg is the signing algorithm used when none is configured. Ed25519
// (EdDSA) is asymmetric, so services that only verify need no secret; its
// signatures are deterministic (no per-signature nonce to get wrong, unlike
// ECDSA) and not malleable; keys and signatures are small; and verifying is
// as fast as ES256 or faster.
const DefaultAlg = "EdDSA"

// MinHMACKeyLen is the shortest HS256 secret accepted: RFC 7518 asks for a
// key at least as long as the hash output.
const MinHMACKeyLen = 32

// Algs lists the algorithms a key can be generated for.
var Algs = []string{"EdDSA", "ES256", "RS256", "HS256"}

// NewKeySet returns a key set with one fresh key for alg and a fresh
// refresh key.
func NewKeySet(alg string) (*tokenmanager.KeySet, error) {
	k, err := NewKey(alg, time.Now())
	if err != nil {
		return nil, err
	}
	return &tokenmanager.KeySet{Keys: []tokenmanager.SigningKey{k}, RefreshKey: tokenmanager.NewRefreshKey()}, nil
}

// NewKey generates a signing key for alg. Its kid is the RFC 7638
// thumbprint of the public key (random for HMAC keys).
func NewKey(alg string, now time.Time) (tokenmanager.SigningKey, error) {
	priv, err := generate(alg)
	if err != nil {
		return tokenmanager.SigningKey{}, err
	}
	k := tokenmanager.SigningKey{Alg: alg, CreatedAt: now.UTC()}
	if secret, ok := priv.([]byte); ok {
		k.Private = secret
		k.ID = randomKID()
		return k, nil
	}
	if k.Private, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
		return k, err
	}
	k.ID, err = thumbprint(priv.(crypto.Signer).Public())
	return k, err
}

// NewHMACKey wraps an operator-supplied HS256 secret, refusing one shorter
// than MinHMACKeyLen bytes. Its kid is derived from the secret (a
// truncated SHA-256 under a fixed label, which reveals nothing usable
// about a secret of 32 random bytes), so every instance given the same
// secret, and every restart, names the key the same and accepts the
// others' tokens.
func NewHMACKey(secret []byte, now time.Time) (tokenmanager.SigningKey, error) {
	if len(secret) < MinHMACKeyLen {
		return tokenmanager.SigningKey{}, tokenmanager.Errorf(tokenmanager.EInvalid,
			"the HS256 secret is %d bytes; at least %d random bytes are required", len(secret), MinHMACKeyLen)
	}
	sum := sha256.Sum256(append([]byte("tokenmanager HS256 kid\x00"), secret...))
	return tokenmanager.SigningKey{ID: "hs-" + base64.RawURLEncoding.EncodeToString(sum[:12]),
		Alg: "HS256", Private: bytes.Clone(secret), CreatedAt: now.UTC()}, nil
}

func generate(alg string) (any, error) {
	switch alg {
	case "EdDSA":
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "HS256":
		b := make([]byte, MinHMACKeyLen)
		rand.Read(b)
		return b, nil
	}
	return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "unsupported algorithm %q (use one of %v)", alg, Algs)
}

// method returns the golang-jwt signing method of alg.
func method(alg string) (jwt.SigningMethod, error) {
	m := jwt.GetSigningMethod(alg)
	for _, a := range Algs {
		if a == alg && m != nil {
			return m, nil
		}
	}
	return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "unsupported algorithm %q (use one of %v)", alg, Algs)
}

// parsedKey is a key ready for golang-jwt: sign with priv, verify with pub.
type parsedKey struct {
	tokenmanager.SigningKey
	method jwt.SigningMethod
	priv   any
	pub    any
	v      verifier // Parse's signature check (jose/verify.go)
}

func parseKey(k tokenmanager.SigningKey) (*parsedKey, error) {
	m, err := method(k.Alg)
	if err != nil {
		return nil, err
	}
	p := &parsedKey{SigningKey: k, method: m}
	if k.Alg == "HS256" {
		if len(k.Private) < MinHMACKeyLen {
			return nil, fmt.Errorf("key %s: HS256 secret shorter than %d bytes", k.ID, MinHMACKeyLen)
		}
		p.priv, p.pub = k.Private, k.Private
		return p, nil
	}
	priv, err := x509.ParsePKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	p.priv, p.pub = priv, priv.(crypto.Signer).Public()
	if !matches(k.Alg, p.pub) {
		return nil, fmt.Errorf("key %s: a %T is not an %s key", k.ID, p.pub, k.Alg)
	}
	return p, nil
}

func matches(alg string, pub any) bool {
	switch pub.(type) {
	case ed25519.PublicKey:
		return alg == "EdDSA"
	case *ecdsa.PublicKey:
		return alg == "ES256" && pub.(*ecdsa.PublicKey).Curve == elliptic.P256()
	case *rsa.PublicKey:
		return alg == "RS256"
	}
	return false
}

func randomKID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// thumbprint is the RFC 7638 JWK thumbprint of a public key.
func thumbprint(pub crypto.PublicKey) (string, error) {
	j, err := publicJWK(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(j.thumbprintInput())
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}
