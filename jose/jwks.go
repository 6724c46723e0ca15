package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
)

// JWK is a public key in RFC 7517 form, as served by the JWKS endpoint.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// JWKSet is the JSON document of GET /.well-known/jwks.json.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

var enc = base64.RawURLEncoding

func publicJWK(pub any) (JWK, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return JWK{Kty: "OKP", Crv: "Ed25519", X: enc.EncodeToString(k)}, nil
	case *ecdsa.PublicKey:
		b, err := k.Bytes() // uncompressed point: 0x04 | X | Y
		if err != nil {
			return JWK{}, err
		}
		n := (len(b) - 1) / 2
		return JWK{Kty: "EC", Crv: "P-256", X: enc.EncodeToString(b[1 : 1+n]), Y: enc.EncodeToString(b[1+n:])}, nil
	case *rsa.PublicKey:
		return JWK{Kty: "RSA", N: enc.EncodeToString(k.N.Bytes()), E: enc.EncodeToString(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return JWK{}, fmt.Errorf("no JWK form for %T", pub)
}

// thumbprintInput is the RFC 7638 input: the required members only, in
// lexicographic order, without white space. The values are base64url or
// fixed names, so they need no JSON escaping.
func (j JWK) thumbprintInput() []byte {
	switch j.Kty {
	case "OKP":
		return fmt.Appendf(nil, `{"crv":%q,"kty":%q,"x":%q}`, j.Crv, j.Kty, j.X)
	case "EC":
		return fmt.Appendf(nil, `{"crv":%q,"kty":%q,"x":%q,"y":%q}`, j.Crv, j.Kty, j.X, j.Y)
	}
	return fmt.Appendf(nil, `{"e":%q,"kty":%q,"n":%q}`, j.E, j.Kty, j.N)
}
