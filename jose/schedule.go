package jose

import (
	"slices"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// slot is one key's signing period: from its activation (zero: always)
// until its retirement (zero: never). A staged rotation gives the current
// key a retirement and the next key the same instant as its activation,
// both stored in the key set, so every instance switches at that moment.
type slot struct {
	from, until time.Time
	key         *parsedKey
}

// schedule lists the signing periods of a key set in the order of its keys
// (the newest last), leaving out keys that never sign (retired before
// their activation).
type schedule []slot

// add appends k's period unless it has none.
func (s *schedule) add(k tokenmanager.SigningKey, p *parsedKey) {
	if !k.RetiredAt.IsZero() && !k.ActivatesAt.Before(k.RetiredAt) {
		return
	}
	*s = append(*s, slot{from: k.ActivatesAt, until: k.RetiredAt, key: p})
}

// signer returns the key that signs a token issued at t: the newest one
// whose period holds t, or, when none does (a clock behind every period),
// the newest that has started, else the newest. nil for an empty schedule.
func (s schedule) signer(t time.Time) *parsedKey {
	for i := len(s) - 1; i >= 0; i-- {
		if !t.Before(s[i].from) && (s[i].until.IsZero() || t.Before(s[i].until)) {
			return s[i].key
		}
	}
	for i := len(s) - 1; i >= 0; i-- {
		if !t.Before(s[i].from) {
			return s[i].key
		}
	}
	if len(s) == 0 {
		return nil
	}
	return s[len(s)-1].key
}

// signerFor returns the key that signs cl: the one active at its iat (at
// the codec's now when it has none).
func (c *Codec) signerFor(cl *tokenmanager.Claims) *parsedKey {
	at := cl.IssuedAt
	if at.IsZero() {
		at = c.opts.Now()
	}
	return c.keys.Load().signs.signer(at)
}

// SigningAlgs lists the algorithms of the published keys, each once, in
// the order of the key set: what the discovery document names
// (id_token_signing_alg_values_supported), so that OpenID Connect
// verifiers accept them without being told.
func (c *Codec) SigningAlgs() []string {
	var algs []string
	for _, j := range c.keys.Load().jwks.Keys {
		if !slices.Contains(algs, j.Alg) {
			algs = append(algs, j.Alg)
		}
	}
	return algs
}
