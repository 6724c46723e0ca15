package tokenmanager

import (
	"context"
	"time"
)

// CancelToken cancels one access token by its identity (issuer and jti).
// The entry lives until the token would have expired anyway.
func (m *Manager) CancelToken(ctx context.Context, c *Claims) error {
	if err := m.invalidateToken(ctx, c); err != nil {
		return err
	}
	return m.cancel(ctx, Cancellation{
		Kind: KindToken, Issuer: c.Issuer, ID: c.ID, Subject: c.Subject,
		Before: c.ExpiresAt, ExpiresAt: c.ExpiresAt.Add(m.cfg.Leeway),
	})
}

// CancelSession cancels one session (one device): its refresh token and
// every access token issued from it. Other sessions are untouched. It
// reads the session's record for its subject, which the cancellation
// carries (see Cancellation.Subject); callers that know the subject use
// CancelSessionOf.
func (m *Manager) CancelSession(ctx context.Context, sessionID string) error {
	subject := ""
	if s, err := m.sessions.Session(ctx, sessionID); err == nil {
		subject = s.Subject
	}
	return m.CancelSessionOf(ctx, sessionID, subject)
}

// CancelSessionOf is CancelSession for a caller that knows the session's
// subject ("" if not): the sign-out of a token, which names both.
func (m *Manager) CancelSessionOf(ctx context.Context, sessionID, subject string) error {
	if err := m.invalidateSessions(ctx, "", sessionID); err != nil {
		return err
	}
	_, until, err := m.cancelCutoff(ctx, KindSession, sessionID, subject)
	if err != nil {
		return err
	}
	if err := m.invalidateSessions(ctx, "", sessionID); err != nil { // a refresh that raced the cut-off
		return err
	}
	if err := m.sessions.DeleteSession(ctx, sessionID); err != nil {
		// The cancellation is durable; the record only lingers.
		m.log.Warn("session cancelled but its record was not deleted", "session", sessionID, "err", err)
	}
	m.waitUntil(until)
	return nil
}

// CancelSubject cancels every access and refresh token issued to subject
// before this call, on every device. It returns only once the clock has
// passed the cut-off, so a sign-in right after it gets tokens that are
// valid, even within the same millisecond.
func (m *Manager) CancelSubject(ctx context.Context, subject string) error {
	if err := m.invalidateSessions(ctx, subject, ""); err != nil {
		return err
	}
	_, until, err := m.cancelCutoff(ctx, KindSubject, subject, subject)
	if err != nil {
		return err
	}
	if err := m.invalidateSessions(ctx, subject, ""); err != nil { // a refresh that raced the cut-off
		return err
	}
	m.deleteSessions(ctx, subject, func(*Session) bool { return true })
	m.waitUntil(until)
	return nil
}

// CancelOtherSessions cancels every session of subject except keep (sign-out
// with scope=others).
func (m *Manager) CancelOtherSessions(ctx context.Context, subject, keep string) error {
	ss, err := m.sessions.Sessions(ctx, subject)
	if err != nil {
		return storeError(err, "cannot list the sessions")
	}
	for _, s := range ss {
		if s.ID == keep {
			continue
		}
		if err := m.CancelSessionOf(ctx, s.ID, s.Subject); err != nil {
			return err
		}
	}
	return nil
}

// cancel makes c durable and applies it to this instance's replica, so the
// instance that took the call refuses the token before it answers. The
// entry is applied before the store is asked: if the store fails, this
// instance refuses the token anyway and the caller gets EUnavailable.
func (m *Manager) cancel(ctx context.Context, c Cancellation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	m.replica.Set.Add(c)
	if err := m.cancels.Cancel(ctx, c); err != nil {
		return storeError(err, "the cancellation could not be made durable; retry")
	}
	if m.OnCancel != nil {
		m.OnCancel(c)
	}
	return nil
}

// cutoff returns the next millisecond: tokens issued up to now are before
// it, tokens issued once the clock has passed it are not.
func (m *Manager) cutoff() time.Time { return m.now().Add(time.Millisecond) }

// cutoffEntry builds a session or subject cancellation that lives as long
// as any token issued before the cut-off could; subject is the subject of
// its tokens, when known.
func (m *Manager) cutoffEntry(k Kind, id, subject string, before time.Time) Cancellation {
	life := max(m.cfg.AccessTTL, m.cfg.RefreshTTL) + m.cfg.Leeway
	return Cancellation{Kind: k, ID: id, Subject: subject, Before: before, ExpiresAt: before.Add(life)}
}

func (m *Manager) waitUntil(t time.Time) {
	if d := t.Sub(m.cfg.Now()); d > 0 && d <= time.Second {
		time.Sleep(d)
	}
}

func (m *Manager) deleteSessions(ctx context.Context, subject string, which func(*Session) bool) {
	ss, err := m.sessions.Sessions(ctx, subject)
	if err != nil {
		m.log.Warn("subject cancelled but its sessions were not listed for deletion", "subject", subject, "err", err)
		return
	}
	for _, s := range ss {
		if which(s) {
			if err := m.sessions.DeleteSession(ctx, s.ID); err != nil {
				m.log.Warn("subject cancelled but a session record was not deleted", "session", s.ID, "err", err)
			}
		}
	}
}

// Sessions returns the subject's live sessions: not expired, not cancelled.
func (m *Manager) Sessions(ctx context.Context, subject string) ([]*Session, error) {
	ss, err := m.sessions.Sessions(ctx, subject)
	if err != nil {
		return nil, storeError(err, "cannot list the sessions")
	}
	now, live := m.now(), ss[:0]
	for _, s := range ss {
		if !s.Expired(now) && !m.sessionCancelled(s) {
			live = append(live, s)
		}
	}
	return live, nil
}

// CancelOwnSession cancels session id if it belongs to subject; another
// subject's session is ENotFound, so ids cannot be probed.
func (m *Manager) CancelOwnSession(ctx context.Context, subject, id string) error {
	s, err := m.sessions.Session(ctx, id)
	if ErrorCode(err) == ENotFound || (err == nil && s.Subject != subject) {
		return Errorf(ENotFound, "no such session")
	} else if err != nil {
		return storeError(err, "cannot read the session")
	}
	return m.CancelSessionOf(ctx, id, s.Subject)
}

// RevokeRefresh cancels the session of a genuine refresh token, current or
// retired (RFC 7009 and POST /tokens/revoke). An unknown token is
// EInvalidGrant.
func (m *Manager) RevokeRefresh(ctx context.Context, token string) error {
	rt, ok := parseRefreshToken(token)
	if !ok {
		return Errorf(EInvalidGrant, "malformed refresh token")
	}
	s, err := m.sessions.Session(ctx, rt.sessionID)
	if ErrorCode(err) == ENotFound {
		return Errorf(EInvalidGrant, "unknown, expired or cancelled refresh token")
	} else if err != nil {
		return storeError(err, "cannot read the session")
	}
	if !rt.genuine(m.rkey(), s) {
		return Errorf(EInvalidGrant, "unknown refresh token")
	}
	return m.CancelSessionOf(ctx, s.ID, s.Subject)
}
