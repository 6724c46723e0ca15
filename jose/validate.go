package jose

import (
	"slices"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// validate applies the claim rules to p at now, as golang-jwt's validator
// did with exp required, iat checked, issuer and audience required when
// configured, plus ours: sub, jti and iat required. When several fail, the
// message names one, in this order: expired, not yet valid, issued in the
// future, wrong issuer, wrong audience, a required claim missing, then the
// others.
func (o *Options) validate(p *payload, now time.Time) error {
	switch {
	case p.hasExp && !now.Before(p.exp.Add(o.Leeway)):
		return invalid("the token has expired")
	case p.hasNbf && now.Before(p.nbf.Add(-o.Leeway)):
		return invalid("the token is not valid yet")
	case p.hasIat && now.Before(p.iat.Add(-o.Leeway)):
		return invalid("the token was issued in the future")
	case o.Issuer != "" && p.iss != "" && p.iss != o.Issuer:
		return invalid("the token has the wrong issuer")
	case len(o.Audience) > 0 && !noAudience(p.aud) && !slices.ContainsFunc(p.aud, o.acceptsAudience):
		return invalid("the token has the wrong audience")
	}
	if missing := o.missingClaim(p); missing != "" {
		return invalid("the token lacks a required claim: " + missing + " claim is required")
	}
	switch {
	case p.sub == "":
		return invalid("the token is invalid: token has no sub")
	case p.jti == "":
		return invalid("the token is invalid: token has no jti")
	case !p.hasIat:
		return invalid("the token is invalid: token has no iat")
	}
	return nil
}

// missingClaim names the last required claim that is missing, as
// golang-jwt's message did, or "".
func (o *Options) missingClaim(p *payload) string {
	switch {
	case o.Issuer != "" && p.iss == "":
		return "iss"
	case len(o.Audience) > 0 && noAudience(p.aud):
		return "aud"
	case !p.hasExp:
		return "exp"
	}
	return ""
}

func noAudience(aud []string) bool { return len(aud) == 0 || len(aud) == 1 && aud[0] == "" }

func (o *Options) acceptsAudience(a string) bool { return slices.Contains(o.Audience, a) }

// claims returns p as the library's claims, signed by the key kid.
func (p *payload) claims(kid string) *tokenmanager.Claims {
	c := &tokenmanager.Claims{Issuer: p.iss, Subject: p.sub, Audience: p.aud,
		ExpiresAt: p.exp, IssuedAt: p.iat, ID: p.jti, SessionID: p.sid, KeyID: kid, Status: p.status}
	if p.hasNbf {
		c.NotBefore = p.nbf
	}
	return c
}
