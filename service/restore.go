package service

import (
	"context"
	"slices"

	"github.com/tokenmanager/tokenmanager"
)

// After a shared store lost its data (a FLUSHALL, a Redis restarted
// without persistence), the instances put back what they hold, so that
// they keep one key set and one refresh key: the first to notice stores
// the key set it holds (InitKeySet stores only if there is none), and every
// instance adopts whatever set is stored then, its refresh key included.
// The replicas put back the cancellations (Replica.KeepForRestore).

// restoreKeys reads the stored key set; when there is none, it stores the
// one this instance holds. It remembers the result and hands its refresh
// key to the Manager.
func (k *keyReloader) restoreKeys(ctx context.Context) (*tokenmanager.KeySet, error) {
	ks, err := k.store.KeySet(ctx)
	k.mu.Lock()
	held, adopt := k.held, k.adopt
	k.mu.Unlock()
	if tokenmanager.ErrorCode(err) == tokenmanager.ENotFound && held != nil {
		ks, err = k.store.InitKeySet(ctx, held)
	}
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.held = cloneKeys(ks)
	k.mu.Unlock()
	if adopt != nil {
		adopt(ks.RefreshKey)
	}
	return ks, nil
}

// holdKeys sets what restoreKeys puts back and whom it tells.
func (k *keyReloader) holdKeys(ks *tokenmanager.KeySet, adopt func([]byte)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.held, k.adopt = cloneKeys(ks), adopt
}

// cloneKeys copies a key set so that pruning one leaves the other whole.
func cloneKeys(ks *tokenmanager.KeySet) *tokenmanager.KeySet {
	c := *ks
	c.Keys = slices.Clone(ks.Keys)
	return &c
}
