package jose

import (
	"math"

	"github.com/tokenmanager/tokenmanager"
	"strconv"
	"time"
)

// payload is a decoded access-token payload, read by decodePayload with
// the rules encoding/json applied to wireClaims: names match exactly (the
// case-insensitive match of encoding/json is not kept: our tokens spell
// them in lower case), the last of duplicate names wins, null leaves a
// string as it was and clears a date, unknown names are skipped.
type payload struct {
	iss, sub, jti, sid string
	aud                []string
	exp, nbf, iat      time.Time
	hasExp, hasNbf     bool
	hasIat             bool
	status             *tokenmanager.TokenStatus
}

// decode reads a payload's JSON text into p; any error means malformed.
func (p *payload) decode(s string) error {
	sc := &scanner{s: s}
	err := sc.each('{', '}', func() error {
		name, err := sc.str()
		if err != nil {
			return err
		}
		if err := sc.expect(':'); err != nil {
			return err
		}
		return p.member(sc, name)
	})
	if err != nil {
		return err
	}
	return sc.end()
}

// member reads the value of one claim.
func (p *payload) member(sc *scanner, name string) error {
	switch name {
	case "iss":
		return stringClaim(sc, &p.iss)
	case "sub":
		return stringClaim(sc, &p.sub)
	case "jti":
		return stringClaim(sc, &p.jti)
	case "sid":
		return stringClaim(sc, &p.sid)
	case "aud":
		return p.audience(sc)
	case "exp":
		return dateClaim(sc, &p.exp, &p.hasExp, secondDate)
	case "nbf":
		return dateClaim(sc, &p.nbf, &p.hasNbf, secondDate)
	case "iat":
		return dateClaim(sc, &p.iat, &p.hasIat, milliDateOf)
	case "status":
		return p.statusClaim(sc)
	}
	return sc.skip(0)
}

// stringClaim reads a string, or null (which keeps the value).
func stringClaim(sc *scanner, v *string) error {
	if sc.literal("null") {
		return nil
	}
	s, err := sc.str()
	if err == nil {
		*v = s
	}
	return err
}

// audience reads aud: one string, an array of strings, or null (which
// keeps the value), as golang-jwt's ClaimStrings does.
func (p *payload) audience(sc *scanner) error {
	switch sc.peek() {
	case 'n':
		if sc.literal("null") {
			return nil
		}
		return errSyntax
	case '"':
		s, err := sc.str()
		p.aud = []string{s}
		return err
	}
	var aud []string
	err := sc.each('[', ']', func() error {
		s, err := sc.str()
		aud = append(aud, s)
		return err
	})
	p.aud = aud
	return err
}

// dateClaim reads a NumericDate, which must be a JSON number; null clears
// it. conv turns the number into a time, refusing what it cannot hold.
func dateClaim(sc *scanner, t *time.Time, has *bool, conv func(float64) (time.Time, bool)) error {
	if sc.literal("null") {
		*t, *has = time.Time{}, false
		return nil
	}
	text, err := sc.number()
	if err != nil {
		return err
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return errSyntax
	}
	v, ok := conv(f)
	if !ok {
		return errSyntax
	}
	*t, *has = v, true
	return nil
}

// maxDate bounds NumericDates (year 5138): a larger one fits no token of
// ours and would overflow the conversion.
const maxDate = 1e11

// secondDate is golang-jwt's NumericDate: whole seconds, the fraction
// dropped.
func secondDate(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.Abs(f) > maxDate {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).Truncate(time.Second), true
}

// milliDateOf is iat: milliseconds kept, never negative.
func milliDateOf(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f < 0 || f > maxDate {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(math.Round(f * 1000))), true
}

// statusClaim reads the status claim: {"status_list": {"idx": N, "uri":
// "…"}}, other members skipped; null leaves it unset. A status_list
// without a whole idx or a uri is malformed.
func (p *payload) statusClaim(sc *scanner) error {
	if sc.literal("null") {
		return nil
	}
	return sc.each('{', '}', func() error {
		name, err := sc.str()
		if err != nil {
			return err
		}
		if err := sc.expect(':'); err != nil {
			return err
		}
		if name != "status_list" {
			return sc.skip(0)
		}
		return p.statusList(sc)
	})
}

func (p *payload) statusList(sc *scanner) error {
	var st tokenmanager.TokenStatus
	var hasIdx bool
	err := sc.each('{', '}', func() error {
		name, err := sc.str()
		if err != nil {
			return err
		}
		if err := sc.expect(':'); err != nil {
			return err
		}
		switch name {
		case "idx":
			text, err := sc.number()
			if err != nil {
				return err
			}
			n, err := strconv.ParseUint(text, 10, 64)
			if err != nil {
				return errSyntax
			}
			st.Index, hasIdx = n, true
			return nil
		case "uri":
			st.URI, err = sc.str()
			return err
		}
		return sc.skip(0)
	})
	if err != nil {
		return err
	}
	if !hasIdx || st.URI == "" {
		return errSyntax
	}
	p.status = &st
	return nil
}
