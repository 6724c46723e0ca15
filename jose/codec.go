package jose

import (
	"errors"
	"slices"
	"strings"
	"sync"
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
	opts Options
	keys atomic.Pointer[keyring]
}

var _ tokenmanager.TokenCodec = (*Codec)(nil)

// keyring is the parsed form of a KeySet.
type keyring struct {
	byID    map[string]*parsedKey
	active  *parsedKey // the newest key: it signs once staged rotations happened
	signs   schedule   // who signs when (see schedule.go)
	jwks    JWKSet
	headers headerCache // header segments already checked (jose/header.go)
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
	c := &Codec{opts: opts}
	return c, c.SetKeySet(ks)
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
// the token. In order: the token's form (precheck); its header, checked
// once per distinct header text and then remembered; the strict base64url
// of every segment; the signature, with the key the header names; and only
// then the claims, decoded without generic maps and validated.
func (c *Codec) Parse(raw string) (*tokenmanager.Claims, error) {
	if err := precheck(raw, c.opts.MaxTokenSize); err != nil {
		return nil, err
	}
	dot1 := strings.IndexByte(raw, '.')
	dot2 := dot1 + 1 + strings.IndexByte(raw[dot1+1:], '.')
	k, err := c.keys.Load().keyForHeader(raw[:dot1])
	if err != nil {
		return nil, err
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	body, sig, ok := sc.decode(raw, dot1, dot2)
	if !ok {
		return nil, invalid("the token is malformed")
	}
	if !k.verify(sc.in[:dot2], sig) {
		return nil, invalid("the token's signature is invalid")
	}
	var p payload
	if p.decode(string(body)) != nil {
		return nil, invalid("the token is malformed")
	}
	if err := c.opts.validate(&p, c.opts.Now()); err != nil {
		return nil, err
	}
	return p.claims(k.ID), nil
}

// scratch holds one Parse's bytes: the token, its decoded payload and
// signature. Pooled, so a verification allocates only what it returns.
type scratch struct{ in, body, sig []byte }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// decode copies raw and decodes its payload and signature segments,
// strictly; ok is false when either is not canonical base64url.
func (sc *scratch) decode(raw string, dot1, dot2 int) (body, sig []byte, ok bool) {
	sc.in = append(sc.in[:0], raw...)
	seg, sseg := sc.in[dot1+1:dot2], sc.in[dot2+1:]
	sc.body = slices.Grow(sc.body[:0], strictB64.DecodedLen(len(seg)))[:strictB64.DecodedLen(len(seg))]
	sc.sig = slices.Grow(sc.sig[:0], strictB64.DecodedLen(len(sseg)))[:strictB64.DecodedLen(len(sseg))]
	n, err := strictB64.Decode(sc.body, seg)
	if err != nil {
		return nil, nil, false
	}
	m, err := strictB64.Decode(sc.sig, sseg)
	if err != nil {
		return nil, nil, false
	}
	return sc.body[:n], sc.sig[:m], true
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
// tokens (cty), unencoded payloads (strictB64), JWE parameters (enc, zip). Such
// a token cannot be one we signed, and refusing it outright means no
// future change can start trusting them by accident.
var headerParams = map[string]bool{"alg": true, "kid": true, "typ": true}

// keyFor is a golang-jwt Keyfunc with the header rules of Parse, for tests
// that parse with golang-jwt.
func (c *Codec) keyFor(t *jwt.Token) (any, error) {
	k, err := c.keys.Load().keyOf(t.Header)
	if err != nil {
		return nil, err
	}
	return k.pub, nil
}

// knownAlg reports whether alg names an algorithm we sign with: not
// "none" in any case, nor anything else.
func knownAlg(alg any) bool {
	s, ok := alg.(string)
	return ok && slices.Contains(Algs, s)
}

// algList names Algs for messages.
var algList = strings.Join(Algs, ", ")

func isAccessTyp(typ string) bool {
	return strings.EqualFold(typ, AccessTokenType) || strings.EqualFold(typ, "application/"+AccessTokenType)
}

func invalid(msg string) error { return tokenmanager.Errorf(tokenmanager.EInvalidToken, "%s", msg) }

// CheapToVerify reports whether tokens signed by the key kid verify about
// as fast as a lookup in a cache of verified tokens: HMAC keys (HS256,
// about 1.6 µs a token). The Manager does not cache such tokens
// (tokenmanager.CheapVerifier).
func (c *Codec) CheapToVerify(kid string) bool {
	k, ok := c.keys.Load().byID[kid]
	return ok && k.Alg == "HS256"
}
