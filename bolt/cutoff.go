package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

var _ tokenmanager.CutoffStore = (*Store)(nil)

// CancelCutoff stores a session's or subject's cancellation with its
// cut-off taken inside the write transaction: at least a millisecond after
// now() read there. bbolt runs one writer at a time, so a refresh whose
// rotation committed before this write issued its tokens before that
// moment and is covered, and one whose rotation commits after it finds the
// entry when it confirms (tokenmanager.CutoffStore). One process shares
// one clock with itself, so the margin is not needed here.
func (s *Store) CancelCutoff(ctx context.Context, c tokenmanager.Cancellation, _ time.Duration, now func() time.Time) (tokenmanager.Cancellation, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	life := c.ExpiresAt.Sub(c.Before)
	var stored tokenmanager.Cancellation
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		x := c
		if t := now().Truncate(time.Millisecond).Add(time.Millisecond); t.After(x.Before) {
			x.Before, x.ExpiresAt = t, later(x.ExpiresAt, t.Add(life))
		}
		if err := putCancellation(tx, x); err != nil {
			return err
		}
		got, err := getCancellation(tx, []byte(x.Key()))
		if err == nil && got != nil {
			stored = *got
		}
		return err
	})
	return stored, err
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
