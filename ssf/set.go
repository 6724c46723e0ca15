package ssf

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/tokenmanager/tokenmanager"
)

// Subject identifiers (RFC 9493).

// userSubject is a user as an iss_sub subject: the issuer of their tokens
// and their subject (the canonical username).
func (t *Transmitter) userSubject(sub string) map[string]any {
	return map[string]any{"format": "iss_sub", "iss": t.cfg.SubjectIssuer, "sub": sub}
}

// sessionSubject is a session as a complex subject: its user, when known,
// and the session's id as an opaque identifier.
func (t *Transmitter) sessionSubject(user, sessionID string) map[string]any {
	s := map[string]any{"format": "complex", "session": map[string]any{"format": "opaque", "id": sessionID}}
	if user != "" {
		s["user"] = t.userSubject(user)
	}
	return s
}

// streamSubject is a stream as the subject of its verification event.
func streamSubject(streamID string) map[string]any {
	return map[string]any{"format": "opaque", "id": streamID}
}

// event is one event before it is signed for a stream.
type event struct {
	typ     string
	subject map[string]any
	payload map[string]any
}

// sign makes the SET of ev for the stream (its aud), with a fresh jti.
func (t *Transmitter) sign(s *tokenmanager.EventStream, ev event) (tokenmanager.QueuedEvent, error) {
	jti := newID()
	raw, err := t.cfg.Sign(map[string]any{
		"iss": t.cfg.Issuer, "iat": t.cfg.Now().Unix(), "jti": jti, "aud": s.Audience,
		"sub_id": ev.subject, "events": map[string]any{ev.typ: ev.payload},
	})
	return tokenmanager.QueuedEvent{JTI: jti, SET: raw}, err
}

// newID returns 128 random bits, base64url: jti and stream ids.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
