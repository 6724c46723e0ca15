// Package setup builds the Manager that every example uses: an embedded
// bbolt store, keys kept in it, an EdDSA codec and the in-memory replica
// of the cancelled set. Only the framework wiring differs between the
// examples.
package setup

import (
	"context"
	"os"
	"path/filepath"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
	"github.com/tokenmanager/tokenmanager/jose"
)

// Issuer is the iss claim of the examples' tokens.
const Issuer = "https://auth.example"

// Open returns a Manager whose store (and keys) live in dir, and a
// function that closes the store.
func Open(ctx context.Context, dir string) (*tokenmanager.Manager, func() error, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	store, err := bolt.Open(filepath.Join(dir, "tokenmanager.db"))
	if err != nil {
		return nil, nil, err
	}
	m, err := build(ctx, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return m, store.Close, nil
}

// build loads (or creates) the keys and the cancelled set from store.
func build(ctx context.Context, store *bolt.Store) (*tokenmanager.Manager, error) {
	fresh, err := jose.NewKeySet(jose.DefaultAlg)
	if err != nil {
		return nil, err
	}
	keys, err := store.InitKeySet(ctx, fresh) // the stored set when there is one
	if err != nil {
		return nil, err
	}
	codec, err := jose.NewCodec(keys, jose.Options{Issuer: Issuer})
	if err != nil {
		return nil, err
	}
	replica := tokenmanager.NewReplica(store, nil, nil)
	if err := replica.Load(ctx); err != nil {
		return nil, err
	}
	replica.Live(true)
	cfg := tokenmanager.Config{Issuer: Issuer}
	return tokenmanager.NewManager(cfg, codec, store, replica, keys.RefreshKey, nil), nil
}
