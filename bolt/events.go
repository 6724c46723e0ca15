package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

var _ tokenmanager.EventStore = (*Store)(nil)

// The Shared Signals streams: bucketStreams maps a stream id to the stream
// (JSON); bucketEventQueues holds one nested bucket per stream, mapping a
// sequence number (8 bytes, big-endian: oldest first) to a queued SET
// (JSON). Both are created on first use.
var (
	bucketStreams     = []byte("ssf_streams")
	bucketEventQueues = []byte("ssf_queues")
)

// PutEventStream implements tokenmanager.EventStore.
func (s *Store) PutEventStream(ctx context.Context, st *tokenmanager.EventStream) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStreams)
		if err != nil {
			return err
		}
		return put(b, []byte(st.ID), v)
	})
}

// EventStream implements tokenmanager.EventStore.
func (s *Store) EventStream(ctx context.Context, id string) (*tokenmanager.EventStream, error) {
	var st *tokenmanager.EventStream
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketStreams); b != nil {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no such stream")
		}
		st = &tokenmanager.EventStream{}
		return json.Unmarshal(v, st)
	})
	return st, err
}

// EventStreams implements tokenmanager.EventStore.
func (s *Store) EventStreams(ctx context.Context) ([]*tokenmanager.EventStream, error) {
	var out []*tokenmanager.EventStream
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketStreams)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			st := &tokenmanager.EventStream{}
			if err := json.Unmarshal(v, st); err != nil {
				return err
			}
			out = append(out, st)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b *tokenmanager.EventStream) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// DeleteEventStream implements tokenmanager.EventStore.
func (s *Store) DeleteEventStream(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketStreams); b != nil {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		if q := tx.Bucket(bucketEventQueues); q != nil && q.Bucket([]byte(id)) != nil {
			return q.DeleteBucket([]byte(id))
		}
		return nil
	})
}

// EnqueueEvent implements tokenmanager.EventStore.
func (s *Store) EnqueueEvent(ctx context.Context, streamID string, ev tokenmanager.QueuedEvent, max int) (int, error) {
	v, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	dropped := 0
	err = s.update(ctx, func(tx *bbolt.Tx) error {
		dropped = 0
		q, err := queueBucket(tx, streamID)
		if err != nil {
			return err
		}
		seq, err := q.NextSequence()
		if err != nil {
			return err
		}
		if err := put(q, binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
			return err
		}
		for over := q.Stats().KeyN + 1 - max; over > 0; over-- {
			k, _ := q.Cursor().First()
			if k == nil {
				break
			}
			if err := q.Delete(k); err != nil {
				return err
			}
			dropped++
		}
		return nil
	})
	return dropped, err
}

func queueBucket(tx *bbolt.Tx, streamID string) (*bbolt.Bucket, error) {
	qs, err := tx.CreateBucketIfNotExists(bucketEventQueues)
	if err != nil {
		return nil, err
	}
	return qs.CreateBucketIfNotExists([]byte(streamID))
}

// PendingEvents implements tokenmanager.EventStore.
func (s *Store) PendingEvents(ctx context.Context, streamID string, n int) ([]tokenmanager.QueuedEvent, error) {
	var out []tokenmanager.QueuedEvent
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		qs := tx.Bucket(bucketEventQueues)
		if qs == nil || qs.Bucket([]byte(streamID)) == nil {
			return nil
		}
		c := qs.Bucket([]byte(streamID)).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			var ev tokenmanager.QueuedEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// AckEvents implements tokenmanager.EventStore.
func (s *Store) AckEvents(ctx context.Context, streamID string, jtis []string) error {
	if len(jtis) == 0 {
		return nil
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		qs := tx.Bucket(bucketEventQueues)
		if qs == nil || qs.Bucket([]byte(streamID)) == nil {
			return nil
		}
		q := qs.Bucket([]byte(streamID))
		// Oldest first, stopping once every jti is found: receivers
		// acknowledge the oldest SETs, so this reads only the head.
		var gone [][]byte
		c := q.Cursor()
		for k, v := c.First(); k != nil && len(gone) < len(jtis); k, v = c.Next() {
			for _, j := range jtis {
				if bytes.Contains(v, []byte(`"jti":"`+j+`"`)) {
					gone = append(gone, append([]byte(nil), k...))
					break
				}
			}
		}
		for _, k := range gone {
			if err := q.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
