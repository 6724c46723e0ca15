package redis

import (
	"context"
	"errors"
	"slices"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// Sessions live in tm:s:<id> and are indexed per subject in tm:u:<subject>:s,
// possibly on another Cluster node; the package documentation says in which
// order the two are written and why.

// CreateSession stores a new session; an id that exists already is a
// conflict.
func (s *Store) CreateSession(ctx context.Context, sess *tm.Session) error {
	data, err := encodeSession(sess)
	if err != nil {
		return err
	}
	if err := s.indexSession(ctx, sess); err != nil {
		return err
	}
	err = s.rdb.SetArgs(ctx, s.k.session(sess.ID), data,
		goredis.SetArgs{Mode: "NX", ExpireAt: expiryAt(sess.RefreshExpiresAt)}).Err()
	if errors.Is(err, goredis.Nil) {
		return tm.Errorf(tm.EConflict, "a session with this id exists")
	} else if err != nil {
		return unavailable(err, "cannot store the session")
	}
	return nil
}

// Session returns the session with that id: one GET, since every refresh
// reads it.
func (s *Store) Session(ctx context.Context, id string) (*tm.Session, error) {
	data, err := s.rdb.Get(ctx, s.k.session(id)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, tm.Errorf(tm.ENotFound, "no such session")
	} else if err != nil {
		return nil, unavailable(err, "cannot read the session")
	}
	return decodeSession(data)
}

// DeleteSession removes the record, then its index entry.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	sess, err := s.Session(ctx, id)
	if tm.ErrorCode(err) == tm.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, s.k.session(id)).Err(); err != nil {
		return unavailable(err, "cannot delete the session")
	}
	if err := s.rdb.ZRem(ctx, s.k.subjectIndex(sess.Subject), id).Err(); err != nil {
		s.log.Warn("session deleted but not its index entry; it will be pruned", "err", err)
	}
	return nil
}

// Sessions returns the subject's sessions, oldest first, and prunes the
// index entries whose session has expired or was deleted.
func (s *Store) Sessions(ctx context.Context, subject string) ([]*tm.Session, error) {
	index := s.k.subjectIndex(subject)
	ids, err := s.rdb.ZRange(ctx, index, 0, -1).Result()
	if err != nil {
		return nil, unavailable(err, "cannot list the sessions")
	}
	datas, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	out, gone := make([]*tm.Session, 0, len(ids)), []any{}
	for i, data := range datas {
		if data == nil {
			gone = append(gone, ids[i])
			continue
		}
		sess, err := decodeSession(data)
		if err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	s.prune(ctx, index, gone)
	slices.SortStableFunc(out, func(a, b *tm.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// getMany GETs the sessions with a pipeline (split per node in a Cluster);
// a missing session is nil.
func (s *Store) getMany(ctx context.Context, ids []string) ([][]byte, error) {
	cmds := make([]*goredis.StringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.k.session(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, unavailable(err, "cannot read the sessions")
	}
	out := make([][]byte, len(ids))
	for i, c := range cmds {
		out[i], _ = c.Bytes()
	}
	return out, nil
}

func (s *Store) prune(ctx context.Context, index string, gone []any) {
	if len(gone) == 0 {
		return
	}
	if err := s.rdb.ZRem(ctx, index, gone...).Err(); err != nil {
		s.log.Debug("cannot prune the session index", "err", err)
	}
}

// indexSession adds the session to its subject's index and makes the index
// live at least as long as the session.
func (s *Store) indexSession(ctx context.Context, sess *tm.Session) error {
	err := indexScript.Run(ctx, s.rdb, []string{s.k.subjectIndex(sess.Subject)},
		sess.CreatedAt.UnixMilli(), sess.ID, expiryArg(sess.RefreshExpiresAt)).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return unavailable(err, "cannot index the session")
	}
	return nil
}
