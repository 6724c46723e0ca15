package tokenmanager

import "time"

// Claims are the verified claims of an access token. IssuedAt keeps
// millisecond precision (the token's iat is written with three decimals) so
// that a subject cancelled at one instant and signed in again a millisecond
// later holds a token that is valid.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	ID        string // jti: the token's identity in the cancelled set
	SessionID string // sid: the session (device) the token was issued to
	KeyID     string // kid of the key that signed it
	// Status is the token's entry in a Token Status List (the status
	// claim), nil when the token has none.
	Status *TokenStatus
}

// TokenPair is what a sign-in or a refresh returns. Its JSON form is the
// token response of the HTTP contract.
type TokenPair struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	SessionID        string `json:"session_id"`
}

// TokenCodec signs and verifies access tokens. The jose package implements
// it; Manager uses it without knowing the algorithm.
type TokenCodec interface {
	// Sign returns the compact JWS of c, signed with the active key.
	Sign(c *Claims) (string, error)
	// Parse verifies raw (signature, algorithm bound to the key, typ,
	// exp, nbf, iat, iss, aud) and returns its claims. It does not consult
	// the cancelled set; every failure is an *Error with EInvalidToken.
	Parse(raw string) (*Claims, error)
}
