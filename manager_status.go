package tokenmanager

import (
	"context"
	"time"
)

// nextStatus reserves the Token Status List entry of an access token issued
// at now (nil, nil without status lists).
func (m *Manager) nextStatus(ctx context.Context, now time.Time) (*StatusRef, *TokenStatus, error) {
	if m.Status == nil {
		return nil, nil, nil
	}
	ref, err := m.Status.Assign(ctx, now, now.Add(m.cfg.AccessTTL))
	if err != nil {
		return nil, nil, err
	}
	return &ref, &TokenStatus{URI: m.Status.URI(ref.List), Index: ref.Index}, nil
}

// assignStatus reserves the entry of a new session's first access token
// and records it in the session.
func (m *Manager) assignStatus(ctx context.Context, s *Session, now time.Time) (*TokenStatus, error) {
	ref, status, err := m.nextStatus(ctx, now)
	if err == nil {
		m.rememberStatus(s, ref, now)
	}
	return status, err
}

// rememberStatus records ref in s, and forgets the entries of tokens that
// can no longer be accepted.
func (m *Manager) rememberStatus(s *Session, ref *StatusRef, now time.Time) {
	s.Status = pruneStatus(s.Status, now, m.cfg.Leeway)
	if ref != nil {
		s.Status = append(s.Status, *ref)
	}
}

// invalidateToken sets the status list entry of one access token.
func (m *Manager) invalidateToken(ctx context.Context, c *Claims) error {
	if m.Status == nil || c.Status == nil {
		return nil
	}
	list, ok := m.Status.ListOf(c.Status.URI)
	if !ok {
		return nil // a list of another server
	}
	return m.Status.Invalidate(ctx, []StatusRef{{List: list, Index: c.Status.Index, ExpiresAt: c.ExpiresAt}}, m.now())
}

// invalidateSessions sets the status list entries of every access token
// of the sessions that which selects among subject's (or of the one
// session id when subject is empty).
func (m *Manager) invalidateSessions(ctx context.Context, subject, id string) error {
	if m.Status == nil {
		return nil
	}
	var ss []*Session
	if subject == "" {
		s, err := m.sessions.Session(ctx, id)
		if ErrorCode(err) == ENotFound {
			return nil
		} else if err != nil {
			return storeError(err, "cannot read the session")
		}
		ss = []*Session{s}
	} else {
		var err error
		if ss, err = m.sessions.Sessions(ctx, subject); err != nil {
			return storeError(err, "cannot list the sessions")
		}
	}
	var refs []StatusRef
	for _, s := range ss {
		refs = append(refs, s.Status...)
	}
	return m.Status.Invalidate(ctx, refs, m.now())
}
