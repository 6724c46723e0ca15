package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"hash"
	"math/big"
	"sync"
)

// verifier checks signatures for one key. HMAC states are pooled: an
// hmac.New costs several allocations and two hashes of the key, where
// Reset on a pooled one costs neither.
type verifier struct {
	macs sync.Pool // of *macState (HS256 only)
}

// macState is a pooled HMAC with room for its result.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// verify reports whether sig is k's signature of input, with the exact
// algorithm of k (a key is bound to one algorithm). Lengths are checked
// first: a signature of the wrong size is refused without work.
func (k *parsedKey) verify(input, sig []byte) bool {
	switch pub := k.pub.(type) {
	case []byte: // HS256
		return k.verifyHMAC(pub, input, sig)
	case ed25519.PublicKey:
		return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, input, sig)
	case *ecdsa.PublicKey:
		if len(sig) != 64 {
			return false
		}
		sum := sha256.Sum256(input)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, sum[:], r, s)
	case *rsa.PublicKey:
		sum := sha256.Sum256(input)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	}
	return false
}

func (k *parsedKey) verifyHMAC(secret, input, sig []byte) bool {
	if len(sig) != sha256.Size {
		return false
	}
	m, _ := k.v.macs.Get().(*macState)
	if m == nil {
		m = &macState{h: hmac.New(sha256.New, secret)}
	} else {
		m.h.Reset()
	}
	m.h.Write(input)
	ok := hmac.Equal(m.h.Sum(m.sum[:0]), sig)
	k.v.macs.Put(m)
	return ok
}
