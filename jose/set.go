package jose

import "github.com/golang-jwt/jwt/v5"

// SETType is the typ header of a Security Event Token (RFC 8417 §2.3), so
// that a SET cannot pass for an access or ID token, nor one for a SET.
const SETType = "secevent+jwt"

// SignSET returns a Security Event Token with these claims (iss, iat,
// jti, aud, sub_id, events...), signed with the key active now (a key of
// the JWKS, unless it is an HS256 secret; during a staged rotation the
// current key, which every cached JWKS holds), for the Shared Signals
// transmitter.
func (c *Codec) SignSET(claims map[string]any) (string, error) {
	k := c.keys.Load().signs.signer(c.opts.Now())
	t := jwt.NewWithClaims(k.method, jwt.MapClaims(claims))
	t.Header["kid"] = k.ID
	t.Header["typ"] = SETType
	return t.SignedString(k.priv)
}
