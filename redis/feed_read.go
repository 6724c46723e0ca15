package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// step does one blocking read and applies what it returns. A read that
// returned nothing, or fewer entries than it asked for without a gap,
// proves the replica current as of the moment it was sent.
func (f *follower) step(ctx context.Context) error {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, f.block+f.slack(grace))
	streams, err := f.s.feed.XRead(rctx, &goredis.XReadArgs{
		Streams: []string{f.s.k.stream(), f.pos.id}, Count: readCount, Block: f.block,
	}).Result()
	cancel()
	if errors.Is(err, goredis.Nil) {
		f.confirm(start)
		return f.idle(ctx, true)
	} else if timedOut(err) && ctx.Err() == nil {
		// A read that overran its deadline: probe the link before it is
		// declared dead, since a starved CPU can delay a healthy reply.
		return f.idle(ctx, false)
	} else if err != nil {
		return err
	}
	for _, st := range streams {
		whole, err := f.applyAll(ctx, st.Messages)
		if err != nil {
			return err
		}
		if whole && len(st.Messages) < readCount {
			f.confirm(start)
		}
	}
	return nil
}

// catchUp applies, without blocking, every entry after the position: those
// made while the handler reloaded.
func (f *follower) catchUp(ctx context.Context) error {
	for {
		start := time.Now()
		rctx, cancel := context.WithTimeout(ctx, f.connectWithin())
		streams, err := f.s.feed.XRead(rctx, &goredis.XReadArgs{
			Streams: []string{f.s.k.stream(), f.pos.id}, Count: readCount, Block: -1,
		}).Result()
		cancel()
		if errors.Is(err, goredis.Nil) || err == nil && (len(streams) == 0 || len(streams[0].Messages) == 0) {
			f.confirm(start)
			return nil
		} else if err != nil {
			f.connectFailed(err)
			return err
		}
		if _, err := f.applyAll(ctx, streams[0].Messages); err != nil {
			return err
		}
	}
}

// applyAll applies entries in order, and resyncs at the first gap; it
// reports whether it applied them all (no gap).
func (f *follower) applyAll(ctx context.Context, msgs []goredis.XMessage) (bool, error) {
	f.behind = 0
	for _, m := range msgs {
		seq, c, err := decodeMessage(m)
		if err == nil && seq == f.pos.seq+1 {
			f.h.Apply(c)
			f.pos = position{id: m.ID, seq: seq}
			continue
		}
		f.s.log.Warn("gap in the change feed; reloading the cancelled set",
			"want_n", f.pos.seq+1, "got_n", seq, "id", m.ID, "err", err)
		return false, f.resync(ctx)
	}
	return true, nil
}

// idle checks, after a read that returned nothing (empty) or overran its
// deadline, that the link answers and that the feed's count agrees with
// what this reader has seen. Only empty reads count towards "entries the
// reads do not return": a read cut short proves nothing.
func (f *follower) idle(ctx context.Context, empty bool) error {
	pos, err := f.position(ctx, f.slack(probeTimeout))
	if err != nil {
		return err
	}
	if pos.seq < f.pos.seq {
		f.s.log.Warn("the change feed counts fewer entries than were read: Redis lost data; reloading",
			"feed_n", pos.seq, "read_n", f.pos.seq)
		return f.resync(ctx)
	}
	if pos.seq == f.pos.seq {
		f.behind = 0
		f.confirm(pos.at)
		return nil
	}
	if !empty {
		return nil
	}
	if f.behind++; f.behind < 2 {
		return nil
	}
	f.s.log.Warn("the change feed has entries that reads do not return; reloading",
		"feed_n", pos.seq, "read_n", f.pos.seq)
	return f.resync(ctx)
}

// timedOut reports a read cut by its deadline rather than a failed link.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func decodePosition(v []any) (position, error) {
	if len(v) != 2 {
		return position{}, fmt.Errorf("feed position: %v", v)
	}
	seq, ok1 := v[0].(int64)
	id, ok2 := v[1].(string)
	if !ok1 || !ok2 {
		return position{}, fmt.Errorf("feed position: %v", v)
	}
	return position{id: id, seq: seq}, nil
}

// decodeMessage reads a feed entry written by cancelScript.
func decodeMessage(m goredis.XMessage) (int64, tm.Cancellation, error) {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	num := func(k string) (int64, error) { return strconv.ParseInt(str(k), 10, 64) }
	seq, err1 := num("n")
	before, err2 := num("b")
	expires, err3 := num("e")
	kind := str("k")
	if err := errors.Join(err1, err2, err3); err != nil || len(kind) != 1 {
		return seq, tm.Cancellation{}, fmt.Errorf("malformed feed entry %s: %v", m.ID, err)
	}
	return seq, tm.Cancellation{
		Kind: tm.Kind(kind[0]), Issuer: str("i"), ID: str("d"), Subject: str("s"),
		Before: time.UnixMilli(before), ExpiresAt: time.UnixMilli(expires),
	}, nil
}
