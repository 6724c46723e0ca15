package storetest

import (
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// baseTime is the instant the fixtures are relative to: now, truncated to
// the millisecond that every store keeps.
func baseTime() time.Time { return time.Now().Truncate(time.Millisecond) }

// wantCode fails the test unless err carries the error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := tokenmanager.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (err %v), want %q", got, err, want)
	}
}

// mustNil fails the test when err is not nil.
func mustNil(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eventually calls ok until it returns true, failing the test after
// timeout. It exists for stores that expire entries natively, in real time.
func eventually(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// utc returns t in UTC, so that values read back from a store compare
// equal with reflect.DeepEqual whatever location the store decodes into.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// sameValue fails the test unless got and want are deeply equal.
func sameValue[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// newSession returns a session with every field set, so that a round trip
// through a store that drops a field fails.
func newSession(id, subject string, created time.Time) *tokenmanager.Session {
	hash := sha256.Sum256([]byte("refresh token of " + id))
	return &tokenmanager.Session{
		ID: id, Subject: subject, CreatedAt: created,
		LastUsedAt: created.Add(90 * time.Second),
		UserAgent:  "Mozilla/5.0 (X11; Linux x86_64) ünïcode", Address: "192.0.2.7",
		Generation: 7, Salt: []byte{0x00, 0xff, 0x10, 0x80, 0x7f, 0x01, 0xfe, 0x00},
		RefreshHash: hash[:], RotatedAt: created.Add(time.Minute),
		RefreshExpiresAt: created.Add(720 * time.Hour),
	}
}

// normSession returns a copy of s with its times in UTC.
func normSession(s *tokenmanager.Session) tokenmanager.Session {
	c := *s
	c.CreatedAt, c.LastUsedAt = utc(c.CreatedAt), utc(c.LastUsedAt)
	c.RotatedAt, c.RefreshExpiresAt = utc(c.RotatedAt), utc(c.RefreshExpiresAt)
	return c
}

// sameSession fails the test unless got holds every field of want.
func sameSession(t *testing.T, got, want *tokenmanager.Session) {
	t.Helper()
	if got == nil {
		t.Fatalf("session is nil, want %+v", *want)
	}
	sameValue(t, "session "+want.ID, normSession(got), normSession(want))
}

// mustSession returns the stored session id or fails the test.
func mustSession(t *testing.T, s tokenmanager.Store, id string) *tokenmanager.Session {
	t.Helper()
	got, err := s.Session(t.Context(), id)
	mustNil(t, err, "Session("+id+")")
	return got
}

// mustCreateSessions stores every session or fails the test.
func mustCreateSessions(t *testing.T, s tokenmanager.Store, ss ...*tokenmanager.Session) {
	t.Helper()
	for _, x := range ss {
		mustNil(t, s.CreateSession(t.Context(), x), "CreateSession("+x.ID+")")
	}
}

// sessionIDs returns the ids of ss in order.
func sessionIDs(ss []*tokenmanager.Session) []string {
	ids := make([]string, len(ss))
	for i, x := range ss {
		ids[i] = x.ID
	}
	return ids
}

// normCancellation returns c with its times in UTC.
func normCancellation(c tokenmanager.Cancellation) tokenmanager.Cancellation {
	c.Before, c.ExpiresAt = utc(c.Before), utc(c.ExpiresAt)
	return c
}

// byKey indexes cancellations by Key, normalised for comparison, and fails
// the test if a key appears twice: a store keeps one entry per key.
func byKey(t *testing.T, cs []tokenmanager.Cancellation) map[string]tokenmanager.Cancellation {
	t.Helper()
	m := make(map[string]tokenmanager.Cancellation, len(cs))
	for _, c := range cs {
		if _, dup := m[c.Key()]; dup {
			t.Fatalf("Cancellations lists %q twice", c.Key())
		}
		m[c.Key()] = normCancellation(c)
	}
	return m
}

// mustCancel stores every cancellation or fails the test.
func mustCancel(t *testing.T, s tokenmanager.Store, cs ...tokenmanager.Cancellation) {
	t.Helper()
	for _, c := range cs {
		mustNil(t, s.Cancel(t.Context(), c), "Cancel("+c.Key()+")")
	}
}

// mustCancellations returns the entries live at now, by key.
func mustCancellations(t *testing.T, s tokenmanager.Store, now time.Time) map[string]tokenmanager.Cancellation {
	t.Helper()
	cs, err := s.Cancellations(t.Context(), now)
	mustNil(t, err, "Cancellations")
	return byKey(t, cs)
}

// sameCancellations fails the test unless got holds exactly want.
func sameCancellations(t *testing.T, got map[string]tokenmanager.Cancellation, want ...tokenmanager.Cancellation) {
	t.Helper()
	w := make(map[string]tokenmanager.Cancellation, len(want))
	for _, c := range want {
		w[c.Key()] = normCancellation(c)
	}
	sameValue(t, "cancellations", got, w)
}

// normKeySet returns a copy of ks with its times in UTC.
func normKeySet(ks *tokenmanager.KeySet) tokenmanager.KeySet {
	c := tokenmanager.KeySet{RefreshKey: ks.RefreshKey}
	for _, k := range ks.Keys {
		k.CreatedAt, k.RetiredAt = utc(k.CreatedAt), utc(k.RetiredAt)
		c.Keys = append(c.Keys, k)
	}
	return c
}

// sameKeySet fails the test unless got holds every key of want.
func sameKeySet(t *testing.T, what string, got, want *tokenmanager.KeySet) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: key set is nil", what)
	}
	sameValue(t, what, normKeySet(got), normKeySet(want))
}
