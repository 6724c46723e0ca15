package tokenmanager

import (
	"context"
	"time"
)

// Session is one sign-in on one device. It owns the refresh token: only the
// SHA-256 of the current refresh token is kept (RefreshHash), with the
// generation counter that every rotation increments. Salt makes the
// refresh tokens of a session unguessable even to someone who knows the
// server's refresh key but not the store.
type Session struct {
	ID               string    `json:"id"`
	Subject          string    `json:"subject"`
	CreatedAt        time.Time `json:"created_at"`
	LastUsedAt       time.Time `json:"last_used_at"`
	UserAgent        string    `json:"user_agent,omitempty"`
	Address          string    `json:"address,omitempty"`
	Generation       uint64    `json:"-"`
	Salt             []byte    `json:"-"`
	RefreshHash      []byte    `json:"-"`
	RotatedAt        time.Time `json:"-"` // when the current refresh token was issued
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	// Status lists the Token Status List entries of the session's access
	// tokens that may still be accepted, so that cancelling the session
	// or its subject can set them.
	Status []StatusRef `json:"-"`
}

// Expired reports whether the session's current refresh token has expired.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.RefreshExpiresAt) }

// SessionMeta describes the client that signs in or refreshes; it is shown
// to the user in their list of sessions.
type SessionMeta struct {
	UserAgent string
	Address   string
}

// SessionStore keeps sessions. Stores drop a session by themselves once its
// refresh token has expired.
type SessionStore interface {
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with that id, or an ENotFound error.
	Session(ctx context.Context, id string) (*Session, error)
	// UpdateSession applies fn to the session atomically: fn sees the
	// current record, and its changes are stored only if no one else
	// changed the session meanwhile (the store retries or serialises).
	// An error from fn is returned as is and nothing is stored.
	UpdateSession(ctx context.Context, id string, fn func(*Session) error) (*Session, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// Sessions returns the sessions of a subject, oldest first.
	Sessions(ctx context.Context, subject string) ([]*Session, error)
}
