package bolt

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// maxGroup bounds the writes committed together.
const maxGroup = 256

// group commits concurrent writes together: one bbolt transaction, one
// fsync, many answers. A writer arriving while no commit runs commits at
// once (a lone client waits for its own fsync only); writers arriving
// during a commit queue, and the first of them commits the whole queue as
// soon as that commit ends. Every writer still returns only after the
// commit holding its write is on disk.
//
// Under load, the writers a commit has just answered usually come back at
// once; the next leader waits for them (gather) at most a quarter of the
// last commit's time, so that the commits stay full instead of half the
// writers alternating with the other half. A writer that finds no commit
// running never waits for anyone.
//
// bbolt's db.Batch also groups writes, but with a fixed timer
// (MaxBatchDelay, 10 ms by default) started by the first writer, which
// adds that delay to a lone write.
type group struct {
	db    *bbolt.DB
	mu    sync.Mutex
	queue []*write
	busy  bool // a leader is committing
	// lastBatch and lastCommit are the size and duration of the last
	// commit; waitFor > 0 asks writers to signal arrived once the queue
	// holds that many.
	lastBatch  int
	lastCommit time.Duration
	lastEnd    time.Time
	waitFor    int
	arrived    chan struct{}
	// commits and writes count the transactions committed and the
	// writes in them, for tests and benchmarks (writes per fsync).
	commits, writes atomic.Int64
}

// write is one queued writer.
type write struct {
	fn     func(*bbolt.Tx) error
	err    error
	done   bool // set before wake: the commit holding fn has ended
	panicV any  // fn panicked: re-raised in the writer's goroutine
	wake   chan struct{}
}

// durable runs fn in a write transaction shared with concurrent writers,
// and returns once that transaction is committed and fsynced. fn's own
// error rolls back fn alone (the others are run again without it) and is
// returned as it is; a commit that fails is EUnavailable for every writer
// in it. fn may run more than once, each time in a fresh transaction: it
// must set everything it reports from what it reads in tx.
func (s *Store) durable(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "the request ended before the store was asked")
	}
	g := &s.group
	w := &write{fn: fn, wake: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.waitFor > 0 && len(g.queue) >= g.waitFor {
		g.waitFor = 0
		g.arrived <- struct{}{}
	}
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		<-w.wake
	}
	if !w.done {
		g.lead(!lead)
	}
	if w.panicV != nil {
		panic(w.panicV)
	}
	s.writes.observe(w.err)
	return w.err
}

// lead commits the queue's head (which holds the caller's write), then
// hands the lead to the next queued writer, or goes idle. A leader handed
// the lead, or arriving just after a commit ended, first gathers the
// writers the last commit answered.
func (g *group) lead(handedOver bool) {
	g.mu.Lock()
	if handedOver || time.Since(g.lastEnd) < g.lastCommit {
		g.gather()
	}
	n := min(len(g.queue), maxGroup)
	batch := append([]*write(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	start := time.Now()
	g.commit(batch)

	g.mu.Lock()
	g.lastEnd = time.Now()
	g.lastBatch, g.lastCommit = len(batch), g.lastEnd.Sub(start)
	if len(g.queue) > 0 {
		g.queue[0].wake <- struct{}{} // not done: it leads next
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	for _, w := range batch {
		w.done = true
		w.wake <- struct{}{}
	}
}

// gather waits, with g.mu held on entry and on return, until the queue
// also holds 7/8 of the writers the last commit answered (not all: one
// may be slow to come back, or gone), or a quarter of the last commit's
// duration has passed. With one writer, it never waits.
func (g *group) gather() {
	target := min(len(g.queue)+g.lastBatch*7/8, maxGroup)
	if len(g.queue) >= target || g.lastCommit <= 0 {
		return
	}
	g.waitFor = target
	g.mu.Unlock()
	t := time.NewTimer(g.lastCommit / 4)
	select {
	case <-g.arrived:
	case <-t.C:
	}
	t.Stop()
	g.mu.Lock()
	g.waitFor = 0
	select { // a signal sent after the timer fired
	case <-g.arrived:
	default:
	}
}

// commit runs batch in one transaction. A write whose fn fails or panics
// is taken out with its error and the transaction is run again without
// it, so that its partial changes are not committed.
func (g *group) commit(batch []*write) {
	for len(batch) > 0 {
		failed := -1
		err := g.db.Update(func(tx *bbolt.Tx) error {
			for i, w := range batch {
				if w.err = w.run(tx); w.err != nil {
					failed = i
					return w.err
				}
			}
			return nil
		})
		if failed >= 0 {
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		if err != nil {
			err = fileError(err)
		} else {
			g.commits.Add(1)
			g.writes.Add(int64(len(batch)))
		}
		for _, w := range batch {
			w.err = err
		}
		return
	}
}

// run calls fn, turning a panic into an error (the panic is raised again
// in the writer's own goroutine), so the leader and the queue survive it.
func (w *write) run(tx *bbolt.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.panicV = v
			err = fmt.Errorf("panic in a store write: %v", v)
		}
	}()
	return w.fn(tx)
}
