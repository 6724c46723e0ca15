package tokenmanager

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
)

// A refresh token is opaque to clients: base64url of
//
//	version (1) | session id (16) | generation (8) | MAC (32)
//
// where MAC = HMAC-SHA256(refresh key, label | session id | generation |
// session salt). The store keeps only SHA-256 of the current token. The MAC
// lets the server tell a genuine retired token (theft) from garbage without
// storing old tokens, and re-derive the session's current token within the
// reuse grace, so two tabs refreshing at once both get the same pair.
const (
	refreshVersion = 1
	sessionIDLen   = 16
	refreshRawLen  = 1 + sessionIDLen + 8 + sha256.Size
	refreshLabel   = "tokenmanager refresh token v1"
)

var b64 = base64.RawURLEncoding.Strict()

// refreshToken is a parsed refresh token.
type refreshToken struct {
	sessionID  string
	generation uint64
	mac        []byte
}

// parseRefreshToken decodes the structure of a refresh token; the MAC is
// checked later against the session's salt.
func parseRefreshToken(s string) (refreshToken, bool) {
	if len(s) != b64.EncodedLen(refreshRawLen) {
		return refreshToken{}, false
	}
	raw, err := b64.DecodeString(s)
	if err != nil || len(raw) != refreshRawLen || raw[0] != refreshVersion {
		return refreshToken{}, false
	}
	return refreshToken{
		sessionID:  b64.EncodeToString(raw[1 : 1+sessionIDLen]),
		generation: binary.BigEndian.Uint64(raw[1+sessionIDLen:]),
		mac:        raw[1+sessionIDLen+8:],
	}, true
}

// refreshMAC computes the MAC of a session's refresh token of generation gen.
func refreshMAC(key []byte, sid []byte, gen uint64, salt []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(refreshLabel))
	m.Write(sid)
	binary.Write(m, binary.BigEndian, gen)
	m.Write(salt)
	return m.Sum(nil)
}

// deriveRefreshToken returns the refresh token of generation gen of s.
func deriveRefreshToken(key []byte, s *Session, gen uint64) string {
	sid, _ := b64.DecodeString(s.ID)
	raw := make([]byte, 0, refreshRawLen)
	raw = append(raw, refreshVersion)
	raw = append(raw, sid...)
	raw = binary.BigEndian.AppendUint64(raw, gen)
	raw = append(raw, refreshMAC(key, sid, gen, s.Salt)...)
	return b64.EncodeToString(raw)
}

// genuine reports whether t was issued for session s by a holder of key.
func (t refreshToken) genuine(key []byte, s *Session) bool {
	sid, _ := b64.DecodeString(s.ID)
	return hmac.Equal(t.mac, refreshMAC(key, sid, t.generation, s.Salt))
}

// HashToken returns the SHA-256 of a token, the only form in which a
// refresh token is stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// sameHash compares two hashes in constant time.
func sameHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// randomID returns n random bytes, base64url-encoded.
func randomID(n int) string { return b64.EncodeToString(randomBytes(n)) }

// randomBytes returns n bytes from crypto/rand (which never fails).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// NewRefreshKey returns a fresh 32-byte refresh key for a KeySet.
func NewRefreshKey() []byte { return randomBytes(32) }
