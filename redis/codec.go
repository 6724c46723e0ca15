package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tm "github.com/tokenmanager/tokenmanager"
)

// sessionRecord is a Session as stored: Session's JSON form (which the HTTP
// API sends) hides the refresh hash, the salt and the generation.
type sessionRecord struct {
	ID               string         `json:"id"`
	Subject          string         `json:"subject"`
	CreatedAt        time.Time      `json:"created_at"`
	LastUsedAt       time.Time      `json:"last_used_at"`
	UserAgent        string         `json:"user_agent,omitempty"`
	Address          string         `json:"address,omitempty"`
	Generation       uint64         `json:"generation"`
	Salt             []byte         `json:"salt"`
	RefreshHash      []byte         `json:"refresh_hash"`
	RotatedAt        time.Time      `json:"rotated_at"`
	RefreshExpiresAt time.Time      `json:"refresh_expires_at"`
	Status           []tm.StatusRef `json:"status,omitempty"`
}

func encodeSession(s *tm.Session) ([]byte, error) {
	data, err := json.Marshal(sessionRecord(*s))
	if err != nil {
		return nil, corrupt(err, "session")
	}
	return data, nil
}

func decodeSession(data []byte) (*tm.Session, error) {
	var r sessionRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, corrupt(err, "session")
	}
	s := tm.Session(r)
	return &s, nil
}

// ceilMilli rounds t up to the millisecond, the precision of Redis expiry
// and of stored cancellations: rounding up never lets an entry expire, nor
// a cut-off pass, early.
func ceilMilli(t time.Time) time.Time {
	r := t.Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	return r
}

// expiryAt is when a key that must live until t expires: t rounded up to
// the millisecond, at least 1ms after the epoch (Redis refuses PXAT 0), or
// the zero time for a key that never expires.
func expiryAt(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(max(1, ceilMilli(t).UnixMilli()))
}

// expiryArg is expiryAt in Unix ms for a script, 0 for "never".
func expiryArg(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return expiryAt(t).UnixMilli()
}

// entryValue is how a cancellation's cut-off and expiry are stored.
func entryValue(before, expires int64) string {
	return strconv.FormatInt(before, 10) + " " + strconv.FormatInt(expires, 10)
}

// parseEntryValue is the inverse of entryValue.
func parseEntryValue(v string) (before, expires int64, err error) {
	b, e, ok := strings.Cut(v, " ")
	if !ok {
		return 0, 0, errors.New("no space in a cancellation value")
	}
	if before, err = strconv.ParseInt(b, 10, 64); err != nil {
		return 0, 0, err
	}
	expires, err = strconv.ParseInt(e, 10, 64)
	return before, expires, err
}

// decodeEntry rebuilds a cancellation from its Key() and stored value.
func decodeEntry(field, value string) (tm.Cancellation, error) {
	before, expires, err := parseEntryValue(value)
	if err == nil && (len(field) < 2 || field[1] != ':') {
		err = errors.New("malformed key")
	}
	if err != nil {
		return tm.Cancellation{}, corrupt(fmt.Errorf("entry %q: %w", field, err), "cancellation")
	}
	c := tm.Cancellation{Kind: tm.Kind(field[0]), ID: field[2:],
		Before: time.UnixMilli(before), ExpiresAt: time.UnixMilli(expires)}
	if c.Kind == tm.KindToken {
		c.Issuer, c.ID, _ = strings.Cut(c.ID, "\x00")
	}
	return c, nil
}
