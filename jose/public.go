package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// minRSABits is the smallest RSA modulus a published key may have.
const minRSABits = 2048

// Verifier verifies access tokens with public keys alone: the JWK Set of a
// TokenManager server, for a service that holds no key of its own. It runs
// the very code of Codec.Parse, so the rules are the same: the algorithm
// is the one bound to the kid's key (the JWK's alg), typ must be at+jwt,
// exp, iat, sub and jti are required, iss and aud are checked when Options
// name them, and no header parameter but alg, kid and typ is accepted.
// It is safe for concurrent use; SetJWKS swaps the keys.
type Verifier struct{ c *Codec }

// NewVerifier returns a Verifier for the keys of set. Options.Issuer and
// Options.Audience should be the server's --issuer and --audience.
func NewVerifier(set JWKSet, opts Options) (*Verifier, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxTokenSize <= 0 {
		opts.MaxTokenSize = DefaultMaxTokenSize
	}
	v := &Verifier{c: &Codec{opts: opts}}
	return v, v.SetJWKS(set)
}

// SetJWKS replaces the keys with those of set (after a fetch). Keys that
// cannot verify our tokens (not for signing, unknown type or curve, no
// alg, an RSA modulus under 2048 bits) are skipped; a set with no usable
// key is an error, and the keys in use stay.
func (v *Verifier) SetJWKS(set JWKSet) error {
	kr := &keyring{byID: map[string]*parsedKey{}, jwks: JWKSet{Keys: []JWK{}}}
	var errs []error
	for _, j := range set.Keys {
		p, err := publicKey(j)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %.64q: %w", j.Kid, err))
			continue
		}
		kr.byID[j.Kid] = p
		kr.jwks.Keys = append(kr.jwks.Keys, j)
	}
	if len(kr.byID) == 0 {
		errs = append(errs, errors.New("the JWK Set has no usable key (a server signing with HS256 publishes none)"))
		return errors.Join(errs...)
	}
	v.c.keys.Store(kr)
	return nil
}

// Parse verifies raw and returns its claims, as Codec.Parse does. It does
// not consult any cancelled set.
func (v *Verifier) Parse(raw string) (*tokenmanager.Claims, error) { return v.c.Parse(raw) }

// HasKey reports whether the set has a key with that kid, so that a caller
// can fetch the set again before it refuses a token signed by a new key.
func (v *Verifier) HasKey(kid string) bool {
	_, ok := v.c.keys.Load().byID[kid]
	return ok
}

// publicKey turns a published JWK into a verification key bound to its alg.
func publicKey(j JWK) (*parsedKey, error) {
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("use %q is not sig", j.Use)
	}
	if j.Kid == "" || j.Alg == "HS256" {
		return nil, errors.New("no kid, or a symmetric alg")
	}
	m, err := method(j.Alg)
	if err != nil {
		return nil, err
	}
	pub, err := jwkPublic(j)
	if err != nil {
		return nil, err
	}
	if !matches(j.Alg, pub) {
		return nil, fmt.Errorf("a %s key cannot verify %s", j.Kty, j.Alg)
	}
	return &parsedKey{SigningKey: tokenmanager.SigningKey{ID: j.Kid, Alg: j.Alg}, method: m, pub: pub}, nil
}

// jwkPublic decodes the public key of an OKP (Ed25519), EC (P-256) or RSA
// JWK: the inverse of publicJWK.
func jwkPublic(j JWK) (any, error) {
	switch {
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		x, err := decodeField(j.X, ed25519.PublicKeySize)
		return ed25519.PublicKey(x), err
	case j.Kty == "EC" && j.Crv == "P-256":
		return ecPublic(j)
	case j.Kty == "RSA":
		return rsaPublic(j)
	}
	return nil, fmt.Errorf("unsupported key type %.16q (curve %.16q)", j.Kty, j.Crv)
}

func ecPublic(j JWK) (*ecdsa.PublicKey, error) {
	x, err := decodeField(j.X, 32)
	if err != nil {
		return nil, err
	}
	y, err := decodeField(j.Y, 32)
	if err != nil {
		return nil, err
	}
	point := append(append([]byte{4}, x...), y...)
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point) // checks the point is on the curve
}

func rsaPublic(j JWK) (*rsa.PublicKey, error) {
	n, err := decodeField(j.N, 0)
	if err != nil {
		return nil, err
	}
	e, err := decodeField(j.E, 0)
	if err != nil {
		return nil, err
	}
	k := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if k.N.BitLen() < minRSABits || len(e) > 4 || k.E < 3 || k.E%2 == 0 {
		return nil, fmt.Errorf("RSA key of %d bits or exponent %d refused", k.N.BitLen(), k.E)
	}
	return k, nil
}

// decodeField decodes a base64url member, of exactly size bytes when
// size > 0.
func decodeField(s string, size int) ([]byte, error) {
	b, err := enc.DecodeString(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("a key member is not base64url: %w", err)
	case len(b) == 0 || size > 0 && len(b) != size:
		return nil, fmt.Errorf("a key member has %d bytes", len(b))
	}
	return b, nil
}
