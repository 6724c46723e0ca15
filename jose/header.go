package jose

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync/atomic"
)

// strictB64 is the strict base64url decoding of every segment: no padding, and
// no non-zero trailing bits (a re-encoded twin of a token is malformed).
var strictB64 = base64.RawURLEncoding.Strict()

// maxCachedHeaders bounds the headers a keyring remembers. A server's
// tokens carry one header per key; a sender can vary the spelling of a
// valid header (spaces, order, typ's two forms), and past the bound such
// variants are checked in full each time, as before, never remembered.
const maxCachedHeaders = 32

// headerCache maps the base64url text of a header segment to the key it
// names, for headers that passed every check. It belongs to one keyring,
// so a key rotation (a new keyring) starts it afresh.
type headerCache struct {
	m atomic.Pointer[map[string]*parsedKey] // copied on write: readers take no lock
}

// keyForHeader returns the key that a token's header segment names, after
// every header rule: from the cache when this exact segment passed before,
// else by decoding it.
func (kr *keyring) keyForHeader(seg string) (*parsedKey, error) {
	if m := kr.headers.m.Load(); m != nil {
		if k, ok := (*m)[seg]; ok {
			return k, nil
		}
	}
	h, err := decodeHeader(seg)
	if err != nil {
		return nil, err
	}
	k, err := kr.checkHeader(h)
	if err != nil {
		return nil, err
	}
	kr.headers.remember(seg, k)
	return k, nil
}

// remember adds seg to the cache unless it is full. Two writers may race
// and one entry be lost: it is then decoded again next time.
func (c *headerCache) remember(seg string, k *parsedKey) {
	old := c.m.Load()
	if old != nil && len(*old) >= maxCachedHeaders {
		return
	}
	m := map[string]*parsedKey{}
	if old != nil {
		m = maps.Clone(*old)
	}
	m[seg] = k
	c.m.CompareAndSwap(old, &m)
}

// decodeHeader decodes a header segment into its JSON object.
func decodeHeader(seg string) (map[string]any, error) {
	b, err := strictB64.DecodeString(seg)
	if err != nil {
		return nil, invalid("the token is malformed")
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil || h == nil {
		return nil, invalid("the token is malformed")
	}
	return h, nil
}

// checkHeader applies the header rules and returns the key the header
// names: alg one of ours (never "none"); no crit; no parameter but alg,
// kid and typ (key material or locations chosen by the sender, nested
// tokens, JWE parameters are refused outright); typ at+jwt; the key chosen
// by kid alone among our own keys; and alg exactly that key's algorithm.
func (kr *keyring) checkHeader(h map[string]any) (*parsedKey, error) {
	if !knownAlg(h["alg"]) {
		return nil, invalid("the token's alg is not one of " + algList)
	}
	k, err := kr.keyOf(h)
	if err != nil {
		return nil, invalid("the token cannot be verified: " + err.Error())
	}
	return k, nil
}

// keyOf is checkHeader past the alg's name; its errors are the detail of a
// refusal.
func (kr *keyring) keyOf(h map[string]any) (*parsedKey, error) {
	if _, ok := h["crit"]; ok {
		return nil, errors.New("unsupported crit header")
	}
	for name := range h {
		if !headerParams[name] {
			return nil, fmt.Errorf("header parameter %.16q is not accepted (only alg, kid and typ)", name)
		}
	}
	if typ, _ := h["typ"].(string); !isAccessTyp(typ) {
		return nil, errors.New("typ is not at+jwt")
	}
	kid, _ := h["kid"].(string)
	k, ok := kr.byID[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	if alg, _ := h["alg"].(string); alg != k.Alg {
		return nil, errors.New("alg does not match the key")
	}
	return k, nil
}
