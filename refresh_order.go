package tokenmanager

import (
	"context"
	"time"
)

// Refresh against cancellation: a refresh that completes after a
// cancellation of its session or subject was acknowledged, on this
// instance or any other, must yield nothing usable. Two steps make it so,
// whatever the replicas know:
//
//  1. A refresh first rotates the session in the store (compare-and-set),
//     then asks the store (not the replica) whether the session or its
//     subject was cancelled with a cut-off after the presented token's
//     issue; if so it fails and returns nothing.
//  2. A cut-off is never earlier than the issue time of a token from a
//     refresh whose step-1 read missed the cancellation: the store
//     (CutoffStore) takes the cut-off inside its write. A shared store
//     stamps it with its own clock, ClockMargin ahead, so every token
//     issued before the write (by clocks that Clock keeps within the
//     margin of the store's) is before it; the embedded store takes it
//     from the process's clock inside its one write transaction.
//
// Either the check sees the cancellation, or every token the refresh
// returns is covered by it; and the cancelling call returns only once the
// cut-off is in the past on every instance's clock, so a sign-in after it
// gets tokens that are valid.

// CutoffStore is implemented by stores that take a session's or subject's
// cut-off at the moment of the write, atomically with it: a shared store
// from its own clock (at least margin ahead of it; now is ignored), a
// store of one process from now; and the entry's lifetime at least the
// longest that any instance announced. It returns the entry as stored. A
// store without it gets the cut-off the Manager took before the write,
// which does not order refreshes against the cancellation.
type CutoffStore interface {
	CancelCutoff(ctx context.Context, c Cancellation, margin time.Duration, now func() time.Time) (Cancellation, error)
}

// confirmRefresh asks the store whether the session, or its subject with a
// cut-off after issued (when the presented refresh token was issued), was
// cancelled: step 1 above.
func (m *Manager) confirmRefresh(ctx context.Context, s *Session, issued time.Time) error {
	cancelled, err := m.cancels.IsCancelled(ctx, &Claims{Subject: s.Subject, SessionID: s.ID, IssuedAt: issued})
	if err != nil {
		return Wrap(EUnavailable, err, "cannot confirm with the store that the session is not cancelled")
	}
	if cancelled {
		return Errorf(EInvalidGrant, "the refresh token has been cancelled")
	}
	return nil
}

// cancelCutoff cancels a session or a subject (of tokens of subject, ""
// if unknown) with a fresh cut-off, made durable, and returns the entry as
// stored and the moment after which the call may return (every instance's
// clock has passed the cut-off).
func (m *Manager) cancelCutoff(ctx context.Context, k Kind, id, subject string) (Cancellation, time.Time, error) {
	cs, ok := m.cancels.(CutoffStore)
	if !ok {
		c := m.cutoffEntry(k, id, subject, m.cutoff())
		return c, c.Before, m.cancel(ctx, c)
	}
	c := m.cutoffEntry(k, id, subject, m.cutoff())
	if err := c.Validate(); err != nil {
		return c, time.Time{}, err
	}
	m.replica.Set.Add(c) // refused here even if the store fails
	stored, err := cs.CancelCutoff(ctx, c, m.cfg.ClockMargin, m.now)
	if err != nil {
		return c, time.Time{}, storeError(err, "the cancellation could not be made durable; retry")
	}
	if stored.Subject == "" {
		stored.Subject = c.Subject // a store that does not keep it
	}
	m.replica.Set.Add(stored)
	if m.OnCancel != nil {
		m.OnCancel(stored)
	}
	return stored, m.returnAfter(cs, stored), nil
}

// returnAfter is when a cancellation stamped by cs may return: once every
// instance's clock has passed its cut-off (the margin beyond it for a
// shared store; the cut-off itself for one process).
func (m *Manager) returnAfter(cs CutoffStore, c Cancellation) time.Time {
	if _, shared := cs.(TimeSource); shared {
		return c.Before.Add(m.cfg.ClockMargin)
	}
	return c.Before
}

// rkey returns the refresh key.
func (m *Manager) rkey() []byte { return *m.refreshKey.Load() }

// SetRefreshKey replaces the key refresh tokens are derived from. Instances
// sharing a store must all use the store's: after the store lost its data
// and another instance stored a key set first, this instance adopts that
// set's refresh key (its own refresh tokens then stop working, as the
// sessions they belonged to are gone with the data).
func (m *Manager) SetRefreshKey(k []byte) {
	if len(k) > 0 {
		m.refreshKey.Store(&k)
	}
}
