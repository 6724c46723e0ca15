package bolt

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// The records are JSON: readable with the bbolt command line tool, and
// their own structs, because the domain types hide fields (password hash,
// salt, refresh hash, generation) from their JSON form for the HTTP API.
// The records convert to and from the domain types, so a field added to
// one of those fails to compile here until the record has it too.

type accountRecord struct {
	Username     string    `json:"username"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled,omitempty"`
}

type sessionRecord struct {
	ID               string                   `json:"id"`
	Subject          string                   `json:"sub"`
	CreatedAt        time.Time                `json:"created_at"`
	LastUsedAt       time.Time                `json:"last_used_at"`
	UserAgent        string                   `json:"ua,omitempty"`
	Address          string                   `json:"addr,omitempty"`
	Generation       uint64                   `json:"gen"`
	Salt             []byte                   `json:"salt"`
	RefreshHash      []byte                   `json:"refresh_hash"`
	RotatedAt        time.Time                `json:"rotated_at"`
	RefreshExpiresAt time.Time                `json:"refresh_expires_at"`
	Status           []tokenmanager.StatusRef `json:"status,omitempty"`
}

func encodeAccount(a *tokenmanager.Account) ([]byte, error) {
	return encode(accountRecord(*a))
}

func decodeAccount(v []byte) (*tokenmanager.Account, error) {
	var r accountRecord
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	a := tokenmanager.Account(r)
	return &a, nil
}

func encodeSession(s *tokenmanager.Session) ([]byte, error) {
	return encode(sessionRecord(*s))
}

func decodeSession(v []byte) (*tokenmanager.Session, error) {
	var r sessionRecord
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	s := tokenmanager.Session(r)
	return &s, nil
}

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot encode the record")
	}
	return b, nil
}

func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "a stored record is corrupt")
	}
	return nil
}

// expiryKey is the key of an expiry index: the Unix millisecond of t,
// sign bit flipped so that byte order is time order, then the key of the
// record. Sweep reads such an index from the start and stops at now, so it
// visits only what expired.
func expiryKey(t time.Time, key []byte) []byte {
	k := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(t.UnixMilli())^(1<<63))
	return append(k, key...)
}

// splitExpiryKey is the inverse of expiryKey.
func splitExpiryKey(k []byte) (ms int64, key []byte) {
	return int64(binary.BigEndian.Uint64(k) ^ (1 << 63)), k[8:]
}

// subjectPrefix starts every subject index key of subject: its length,
// then the subject, so that no subject's prefix is another's.
func subjectPrefix(subject string) []byte {
	k := binary.AppendUvarint(nil, uint64(len(subject)))
	return append(k, subject...)
}

// subjectKey is the subject index key of one session of subject.
func subjectKey(subject, id string) []byte {
	return append(subjectPrefix(subject), id...)
}
