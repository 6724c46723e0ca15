package jose

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// AccessTokenType is the typ header of every access token (RFC 9068), so
// that an ID token or another JWT signed by the same key is not taken for
// an access token.
const AccessTokenType = "at+jwt"

// DefaultMaxTokenSize bounds the tokens Parse accepts, before any decoding:
// a token of ours is well under 1 KiB.
const DefaultMaxTokenSize = 4096

// Options configures a Codec.
type Options struct {
	// Issuer is set on every token and, when not empty, required of every
	// token verified: a token of another issuer is refused.
	Issuer string
	// Audience is set on every token and, when not empty, one of its
	// values is required of every token verified.
	Audience []string
	// Leeway tolerates clock skew between the signer and the verifier
	// on exp, nbf and iat. Keep it small (seconds).
	Leeway time.Duration
	// Now is the clock; tests set it.
	Now func() time.Time
	// MaxTokenSize refuses longer tokens before parsing them, so a huge
	// header cannot make the server decode megabytes of base64.
	MaxTokenSize int
}

// Codec signs and verifies access tokens with a key set. It implements
// tokenmanager.TokenCodec and is safe for concurrent use; SetKeySet swaps
// the keys (rotation) without a pause.
type Codec struct {
	opts   Options
	keys   atomic.Pointer[keyring]
	parser *jwt.Parser
}

var _ tokenmanager.TokenCodec = (*Codec)(nil)

// keyring is the parsed form of a KeySet.
type keyring struct {
	byID   map[string]*parsedKey
	active *parsedKey // the newest key: it signs once staged rotations happened
	signs  schedule   // who signs when (see schedule.go)
	jwks   JWKSet
}

// NewCodec returns a codec for ks. It fails when ks has no active key or a
// key cannot be parsed.
func NewCodec(ks *tokenmanager.KeySet, opts Options) (*Codec, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxTokenSize <= 0 {
		opts.MaxTokenSize = DefaultMaxTokenSize
	}
	c := &Codec{opts: opts, parser: newParser(opts)}
	return c, c.SetKeySet(ks)
}

func newParser(o Options) *jwt.Parser {
	p := []jwt.ParserOption{
		jwt.WithValidMethods(Algs), // narrowed per key in keyFor
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(o.Leeway),
		jwt.WithTimeFunc(o.Now), jwt.WithStrictDecoding(),
	}
	if o.Issuer != "" {
		p = append(p, jwt.WithIssuer(o.Issuer))
	}
	if len(o.Audience) > 0 {
		p = append(p, jwt.WithAudience(o.Audience...))
	}
	return jwt.NewParser(p...)
}

// SetKeySet replaces the keys, for example after a rotation.
func (c *Codec) SetKeySet(ks *tokenmanager.KeySet) error {
	kr := &keyring{byID: map[string]*parsedKey{}, jwks: JWKSet{Keys: []JWK{}}}
	for _, k := range ks.Keys {
		p, err := parseKey(k)
		if err != nil {
			return err
		}
		kr.byID[k.ID] = p
		kr.signs.add(k, p)
		if k.RetiredAt.IsZero() {
			kr.active = p
		}
		if k.Alg != "HS256" {
			j, err := publicJWK(p.pub)
			if err != nil {
				return err
			}
			j.Kid, j.Alg, j.Use = k.ID, k.Alg, "sig"
			kr.jwks.Keys = append(kr.jwks.Keys, j)
		}
	}
	if kr.active == nil {
		return errors.New("the key set has no active signing key")
	}
	c.keys.Store(kr)
	return nil
}

// JWKS returns the public keys, for GET /.well-known/jwks.json. HMAC keys
// are secret and never listed.
func (c *Codec) JWKS() JWKSet { return c.keys.Load().jwks }

// Alg returns the algorithm of the newest key (the one that signs once
// any staged rotation has happened).
func (c *Codec) Alg() string { return c.keys.Load().active.Alg }

// Sign signs c with the key active at its iat, with kid and typ in the
// header.
func (c *Codec) Sign(cl *tokenmanager.Claims) (string, error) {
	k := c.signerFor(cl)
	t := jwt.NewWithClaims(k.method, fromClaims(cl))
	t.Header["kid"] = k.ID
	t.Header["typ"] = AccessTokenType
	return t.SignedString(k.priv)
}

// Parse verifies raw and returns its claims. Each refusal is an
// EInvalidToken error whose message says what was wrong, without echoing
// the token.
func (c *Codec) Parse(raw string) (*tokenmanager.Claims, error) {
	if err := precheck(raw, c.opts.MaxTokenSize); err != nil {
		return nil, err
	}
	w := &wireClaims{}
	t, err := c.parser.ParseWithClaims(raw, w, c.keyFor)
	if err != nil && t != nil && t.Header != nil && !knownAlg(t.Header["alg"]) {
		return nil, invalid("the token's alg is not one of " + strings.Join(Algs, ", "))
	} else if err != nil {
		return nil, invalid(describe(err))
	}
	return w.claims(t.Header["kid"].(string)), nil
}

// precheck refuses what is not worth decoding: too long, not three parts,
// or characters outside base64url.
func precheck(raw string, limit int) error {
	switch {
	case raw == "":
		return invalid("no token")
	case len(raw) > limit:
		return invalid("the token is too large")
	case strings.Count(raw, ".") != 2:
		return invalid("the token is not a compact JWS (three base64url parts)")
	}
	for i := 0; i < len(raw); i++ {
		if !isB64URL(raw[i]) && raw[i] != '.' {
			return invalid("the token has characters outside base64url")
		}
	}
	return nil
}

func isB64URL(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_'
}

// headerParams are the only header parameters our tokens carry. A token
// with any other is refused before its key is looked up: key material or
// key locations chosen by the sender (jwk, jku, x5u, x5c, x5t), nested
// tokens (cty), unencoded payloads (b64), JWE parameters (enc, zip). Such
// a token cannot be one we signed, and refusing it outright means no
// future change can start trusting them by accident.
var headerParams = map[string]bool{"alg": true, "kid": true, "typ": true}

// keyFor is the golang-jwt Keyfunc: the key is chosen by kid alone among our
// own keys, and the token must name exactly that key's algorithm. A header
// parameter other than alg, kid and typ (an unknown crit, a jwk, jku, x5u
// or x5c above all) or a typ other than at+jwt is refused.
func (c *Codec) keyFor(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		return nil, errors.New("unsupported crit header")
	}
	for name := range t.Header {
		if !headerParams[name] {
			return nil, fmt.Errorf("header parameter %.16q is not accepted (only alg, kid and typ)", name)
		}
	}
	if typ, _ := t.Header["typ"].(string); !isAccessTyp(typ) {
		return nil, errors.New("typ is not at+jwt")
	}
	kid, _ := t.Header["kid"].(string)
	k, ok := c.keys.Load().byID[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	if t.Method.Alg() != k.Alg {
		return nil, errors.New("alg does not match the key")
	}
	return k.pub, nil
}

// knownAlg reports whether alg names an algorithm we sign with: not
// "none" in any case, nor anything else.
func knownAlg(alg any) bool {
	s, ok := alg.(string)
	return ok && slices.Contains(Algs, s)
}

func isAccessTyp(typ string) bool {
	return strings.EqualFold(typ, AccessTokenType) || strings.EqualFold(typ, "application/"+AccessTokenType)
}

// describe turns a golang-jwt error into a short message for the client.
func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token was issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token has the wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token has the wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		msg := err.Error() // ends with golang-jwt's "<claim> claim is required"
		return "the token lacks a required claim: " + msg[strings.LastIndex(msg, ": ")+2:]
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the token's signature is invalid"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token cannot be verified: " + unwrapLast(err)
	}
	return "the token is invalid: " + unwrapLast(err)
}

// unwrapLast returns the innermost message of our own Keyfunc and
// Validate errors, or golang-jwt's own detail ("signing method (alg) is
// unavailable") after its sentinel. None of them quotes the token.
func unwrapLast(err error) string {
	full := err.Error()
	for {
		u := errors.Unwrap(err)
		if u == nil {
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				if es := j.Unwrap(); len(es) > 0 && es[len(es)-1] != nil {
					return es[len(es)-1].Error()
				}
			}
			return strings.TrimPrefix(full, err.Error()+": ")
		}
		err = u
	}
}

func invalid(msg string) error { return tokenmanager.Errorf(tokenmanager.EInvalidToken, "%s", msg) }
