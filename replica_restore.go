package tokenmanager

import (
	"context"
	"sync"
	"time"
)

// A shared store can lose what it acknowledged: a FLUSHALL, a Redis
// restarted without persistence, a failover to a replica that lagged. The
// instances still hold the cancellations in their replicas, so they put
// them back. The compact CancelledSet keeps only hashes of the entries'
// identities, so a replica that restores keeps a journal of the entries
// themselves beside it (about 150 bytes each), filled by every load and
// every feed message. On every reload (which the feed does after any gap,
// a lost count among them) the entries the journal holds and the store
// lacks, or holds with an earlier cut-off or expiry, are written back.

// KeepForRestore makes the replica keep the journal that restores a store
// that lost its data. Call it before Run; a store only this process writes
// (the embedded one) does not need it.
func (r *Replica) KeepForRestore() { r.journal = &journal{m: map[string]Cancellation{}} }

// restoreMissing writes back the journal's entries that the store's set
// (just loaded) lacks, then adds the store's entries to the journal.
func (r *Replica) restoreMissing(ctx context.Context, stored []Cancellation) {
	j := r.journal
	if j == nil {
		return
	}
	missing := j.missing(stored, r.Now())
	for _, c := range stored {
		j.add(c)
	}
	n := 0
	for _, c := range missing {
		if err := r.Store.Cancel(ctx, c); err != nil {
			r.Logger.Error("the store lost cancellations and they could not all be written back; retrying at the next reload",
				"restored", n, "missing", len(missing), "err", err)
			return
		}
		n++
	}
	if n > 0 {
		r.Logger.Warn("THE STORE HAD LOST CANCELLATIONS this replica holds (data loss in the store?): written back", "restored", n)
	}
}

// journal holds the replica's entries by key.
type journal struct {
	mu sync.Mutex
	m  map[string]Cancellation
}

func (j *journal) add(c Cancellation) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	k := c.Key()
	if old, ok := j.m[k]; ok {
		c = old.Merge(c)
	}
	j.m[k] = c
}

func (j *journal) sweep(now time.Time) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for k, c := range j.m {
		if c.Expired(now) {
			delete(j.m, k)
		}
	}
}

// missing returns the live entries that stored lacks or holds weaker.
func (j *journal) missing(stored []Cancellation, now time.Time) []Cancellation {
	have := make(map[string]Cancellation, len(stored))
	for _, c := range stored {
		have[c.Key()] = c
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Cancellation
	for k, c := range j.m {
		if c.Expired(now) {
			continue
		}
		if s, ok := have[k]; !ok || s.Merge(c) != s {
			out = append(out, c)
		}
	}
	return out
}
