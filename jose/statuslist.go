package jose

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// StatusListType is the typ header of a Status List Token
// (draft-ietf-oauth-status-list, JWT format).
const StatusListType = "statuslist+jwt"

// SignStatusList returns a Status List Token signed with the key active at
// iat (a key of the JWKS, unless it is an HS256 secret; during a staged
// rotation the current key, which every cached JWKS holds): sub is the list's uri,
// lst the base64url of the zlib-compressed entries, each bits wide; a
// verifier may cache it for ttl and must not use it after exp.
func (c *Codec) SignStatusList(sub string, iat, exp time.Time, ttl time.Duration, bits int, lst string) (string, error) {
	k := c.keys.Load().signs.signer(iat)
	t := jwt.NewWithClaims(k.method, jwt.MapClaims{
		"sub": sub, "iat": iat.Unix(), "exp": exp.Unix(), "ttl": int64(ttl / time.Second),
		"status_list": map[string]any{"bits": bits, "lst": lst},
	})
	t.Header["kid"] = k.ID
	t.Header["typ"] = StatusListType
	return t.SignedString(k.priv)
}

// StatusListToken is what a verifier reads of a Status List Token.
type StatusListToken struct {
	Subject   string        // the list's uri
	IssuedAt  time.Time     // when it was signed
	ExpiresAt time.Time     // not to be used after
	TTL       time.Duration // how long it may be cached
	Bits      int           // bits per entry
	Lst       string        // base64url of the zlib-compressed entries
}

// ParseStatusList verifies a Status List Token with the verifier's keys
// (the kid's key and its algorithm, typ statuslist+jwt) and returns its
// claims; an expired one is refused.
func (v *Verifier) ParseStatusList(raw string) (*StatusListToken, error) {
	var claims struct {
		jwt.RegisteredClaims
		TTL        int64 `json:"ttl"`
		StatusList struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	kr := v.c.keys.Load()
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != StatusListType {
			return nil, errors.New("typ is not " + StatusListType)
		}
		kid, _ := t.Header["kid"].(string)
		k := kr.byID[kid]
		if k == nil || k.method.Alg() != t.Method.Alg() {
			return nil, errors.New("no key of that kid and algorithm")
		}
		return k.pub, nil
	}, jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(v.c.opts.Now), jwt.WithLeeway(v.c.opts.Leeway))
	if err != nil {
		return nil, tokenmanager.Wrap(tokenmanager.EInvalidToken, err, "the status list token does not verify")
	}
	if claims.Subject == "" || claims.TTL <= 0 || claims.IssuedAt == nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalidToken, "the status list token lacks sub, iat or a positive ttl")
	}
	return &StatusListToken{Subject: claims.Subject, IssuedAt: claims.IssuedAt.Time, ExpiresAt: claims.ExpiresAt.Time,
		TTL: time.Duration(claims.TTL) * time.Second, Bits: claims.StatusList.Bits, Lst: claims.StatusList.Lst}, nil
}
