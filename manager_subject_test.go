package tokenmanager_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// TestCancellationsCarryTheSubject: every cancellation the Manager makes
// of a token, a session or a subject carries the subject of the tokens it
// cancels, as announced (OnCancel) and as stored, so that replicas place
// it by that subject (CancelledSet).
func TestCancellationsCarryTheSubject(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		cancel func(m *fixture, p *tokenmanager.TokenPair) error
		kind   tokenmanager.Kind
	}{
		{"CancelToken", func(m *fixture, p *tokenmanager.TokenPair) error {
			c, err := m.Verify(ctx, p.AccessToken)
			if err != nil {
				return err
			}
			return m.CancelToken(ctx, c)
		}, tokenmanager.KindToken},
		{"CancelSessionLooksTheSubjectUp", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.CancelSession(ctx, p.SessionID)
		}, tokenmanager.KindSession},
		{"CancelSessionOf", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.CancelSessionOf(ctx, p.SessionID, "alice")
		}, tokenmanager.KindSession},
		{"CancelOwnSession", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.CancelOwnSession(ctx, "alice", p.SessionID)
		}, tokenmanager.KindSession},
		{"CancelOtherSessions", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.CancelOtherSessions(ctx, "alice", "")
		}, tokenmanager.KindSession},
		{"RevokeRefresh", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.RevokeRefresh(ctx, p.RefreshToken)
		}, tokenmanager.KindSession},
		{"CancelSubject", func(m *fixture, p *tokenmanager.TokenPair) error {
			return m.CancelSubject(ctx, "alice")
		}, tokenmanager.KindSubject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, tokenmanager.CheckReplica, 0, false)
			var announced []tokenmanager.Cancellation
			m.OnCancel = func(c tokenmanager.Cancellation) { announced = append(announced, c) }
			p := mustIssue(t, m, "alice")
			if err := tc.cancel(m, p); err != nil {
				t.Fatal(err)
			}
			stored, err := m.store.Cancellations(ctx, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(announced) != 1 || len(stored) != 1 {
				t.Fatalf("announced %+v, stored %+v: want one entry each", announced, stored)
			}
			for _, c := range []tokenmanager.Cancellation{announced[0], stored[0]} {
				if c.Kind != tc.kind || c.Subject != "alice" {
					t.Fatalf("entry %+v: want kind %s with subject alice", c, tc.kind)
				}
			}
			wantValid(t, m, p.AccessToken, false)
		})
	}
}
