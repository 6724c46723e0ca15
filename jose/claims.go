package jose

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// wireClaims is the JSON payload of an access token (RFC 9068 claims plus
// sid). It implements jwt.Claims so that golang-jwt validates exp, nbf and
// iat; iat is written and read with millisecond precision.
type wireClaims struct {
	Issuer    string           `json:"iss,omitempty"`
	Subject   string           `json:"sub"`
	Audience  jwt.ClaimStrings `json:"aud,omitempty"`
	ExpiresAt *strictDate      `json:"exp"`
	NotBefore *strictDate      `json:"nbf,omitempty"`
	IssuedAt  *milliDate       `json:"iat"`
	ID        string           `json:"jti"`
	SessionID string           `json:"sid,omitempty"`
	Status    *statusClaim     `json:"status,omitempty"`
}

// statusClaim is the status claim of draft-ietf-oauth-status-list: the
// token's entry in a Token Status List.
type statusClaim struct {
	StatusList statusListRef `json:"status_list"`
}

type statusListRef struct {
	Index uint64 `json:"idx"`
	URI   string `json:"uri"`
}

func (c *wireClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.numeric(), nil }
func (c *wireClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore.numeric(), nil }
func (c *wireClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *wireClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *wireClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.Audience, nil }
func (c *wireClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	if c.IssuedAt == nil {
		return nil, nil
	}
	return &jwt.NumericDate{Time: c.IssuedAt.Time}, nil
}

// Validate adds the checks golang-jwt leaves to the application: an access
// token must name its subject, its identity and its issue time.
func (c *wireClaims) Validate() error {
	switch {
	case c.Subject == "":
		return errors.New("token has no sub")
	case c.ID == "":
		return errors.New("token has no jti")
	case c.IssuedAt == nil:
		return errors.New("token has no iat")
	}
	return nil
}

func fromClaims(c *tokenmanager.Claims) *wireClaims {
	w := &wireClaims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		ExpiresAt: newStrictDate(c.ExpiresAt),
		IssuedAt:  &milliDate{c.IssuedAt.Truncate(time.Millisecond)},
		ID:        c.ID, SessionID: c.SessionID,
	}
	if c.Status != nil {
		w.Status = &statusClaim{statusListRef{Index: c.Status.Index, URI: c.Status.URI}}
	}
	if !c.NotBefore.IsZero() {
		w.NotBefore = newStrictDate(c.NotBefore)
	}
	return w
}

func (c *wireClaims) claims(kid string) *tokenmanager.Claims {
	out := &tokenmanager.Claims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		ExpiresAt: c.ExpiresAt.Time, IssuedAt: c.IssuedAt.Time,
		ID: c.ID, SessionID: c.SessionID, KeyID: kid,
	}
	if c.NotBefore != nil {
		out.NotBefore = c.NotBefore.Time
	}
	return out
}

// milliDate is a NumericDate with millisecond precision ("iat":
// 1767225600.123). RFC 7519 allows non-integer values; the precision lets
// a subject's cut-off fall between two tokens issued in the same second.
type milliDate struct{ time.Time }

func (d milliDate) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d.UnixMilli())/1000, 'f', 3, 64), nil
}

func (d *milliDate) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return errors.New("iat is not a valid NumericDate")
	}
	d.Time = time.UnixMilli(int64(math.Round(f * 1000)))
	return nil
}

var _ json.Marshaler = milliDate{}

// strictDate is a NumericDate that must be a JSON number, as RFC 7519
// says: golang-jwt's own also takes a string that holds one
// ("exp":"9999999999"), a form no token of ours has.
type strictDate struct{ jwt.NumericDate }

func newStrictDate(t time.Time) *strictDate { return &strictDate{*jwt.NewNumericDate(t)} }

func (d *strictDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] == '"' {
		return errors.New("a NumericDate must be a JSON number")
	}
	return d.NumericDate.UnmarshalJSON(b)
}

// numeric returns d as golang-jwt's type (nil for a missing claim).
func (d *strictDate) numeric() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &d.NumericDate
}
