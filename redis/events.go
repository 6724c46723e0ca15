package redis

import (
	"context"
	"encoding/json"
	"slices"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

var _ tm.EventStore = (*Store)(nil)

// The Shared Signals streams are one hash (stream id -> stream, JSON);
// each stream's queue is a list of jti, oldest first, and a hash of jti ->
// SET, in one slot (the stream id is their hash tag).
func (k keys) streams() string              { return k.p + ":ssf:streams" }
func (k keys) eventQueue(id string) string  { return k.p + ":ssf:{" + id + "}:q" }
func (k keys) eventTokens(id string) string { return k.p + ":ssf:{" + id + "}:sets" }

// enqueueScript appends ARGV[1] (jti) with its SET ARGV[2], then drops the
// oldest beyond ARGV[3] entries and returns how many it dropped.
//
// KEYS: queue, sets.
var enqueueScript = goredis.NewScript(`
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local dropped = 0
while redis.call('LLEN', KEYS[1]) > tonumber(ARGV[3]) do
  local old = redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], old)
  dropped = dropped + 1
end
return dropped
`)

// PutEventStream implements tokenmanager.EventStore.
func (s *Store) PutEventStream(ctx context.Context, st *tm.EventStream) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := s.rdb.HSet(ctx, s.k.streams(), st.ID, v).Err(); err != nil {
		return unavailable(err, "cannot store the stream in Redis")
	}
	return nil
}

// EventStream implements tokenmanager.EventStore.
func (s *Store) EventStream(ctx context.Context, id string) (*tm.EventStream, error) {
	v, err := s.rdb.HGet(ctx, s.k.streams(), id).Bytes()
	if err == goredis.Nil {
		return nil, tm.Errorf(tm.ENotFound, "no such stream")
	} else if err != nil {
		return nil, unavailable(err, "cannot read the stream from Redis")
	}
	st := &tm.EventStream{}
	return st, json.Unmarshal(v, st)
}

// EventStreams implements tokenmanager.EventStore.
func (s *Store) EventStreams(ctx context.Context) ([]*tm.EventStream, error) {
	all, err := s.rdb.HGetAll(ctx, s.k.streams()).Result()
	if err != nil {
		return nil, unavailable(err, "cannot read the streams from Redis")
	}
	out := make([]*tm.EventStream, 0, len(all))
	for _, v := range all {
		st := &tm.EventStream{}
		if err := json.Unmarshal([]byte(v), st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *tm.EventStream) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// DeleteEventStream implements tokenmanager.EventStore.
func (s *Store) DeleteEventStream(ctx context.Context, id string) error {
	if err := s.rdb.HDel(ctx, s.k.streams(), id).Err(); err != nil {
		return unavailable(err, "cannot delete the stream from Redis")
	}
	if err := s.rdb.Del(ctx, s.k.eventQueue(id), s.k.eventTokens(id)).Err(); err != nil {
		return unavailable(err, "cannot delete the stream's queue from Redis")
	}
	return nil
}

// EnqueueEvent implements tokenmanager.EventStore.
func (s *Store) EnqueueEvent(ctx context.Context, streamID string, ev tm.QueuedEvent, max int) (int, error) {
	n, err := enqueueScript.Run(ctx, s.rdb, []string{s.k.eventQueue(streamID), s.k.eventTokens(streamID)},
		ev.JTI, ev.SET, max).Int()
	if err != nil {
		return 0, unavailable(err, "cannot queue the event in Redis")
	}
	return n, nil
}

// PendingEvents implements tokenmanager.EventStore.
func (s *Store) PendingEvents(ctx context.Context, streamID string, n int) ([]tm.QueuedEvent, error) {
	jtis, err := s.rdb.LRange(ctx, s.k.eventQueue(streamID), 0, int64(n)-1).Result()
	if err != nil {
		return nil, unavailable(err, "cannot read the event queue from Redis")
	}
	if len(jtis) == 0 {
		return nil, nil
	}
	sets, err := s.rdb.HMGet(ctx, s.k.eventTokens(streamID), jtis...).Result()
	if err != nil {
		return nil, unavailable(err, "cannot read the queued events from Redis")
	}
	out := make([]tm.QueuedEvent, 0, len(jtis))
	for i, j := range jtis {
		if set, ok := sets[i].(string); ok {
			out = append(out, tm.QueuedEvent{JTI: j, SET: set})
		}
	}
	return out, nil
}

// AckEvents implements tokenmanager.EventStore.
func (s *Store) AckEvents(ctx context.Context, streamID string, jtis []string) error {
	if len(jtis) == 0 {
		return nil
	}
	pipe := s.rdb.TxPipeline()
	for _, j := range jtis {
		pipe.LRem(ctx, s.k.eventQueue(streamID), 1, j)
	}
	pipe.HDel(ctx, s.k.eventTokens(streamID), jtis...)
	if _, err := pipe.Exec(ctx); err != nil {
		return unavailable(err, "cannot acknowledge the events in Redis")
	}
	return nil
}
