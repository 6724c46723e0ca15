// Package service starts TokenManager in one call: it opens the store named
// by a URL (or takes an opened one), loads or creates the signing keys in
// it, loads the in-memory replica of the cancelled set and keeps it fed by
// the store's change feed, reloads the keys when another instance rotates
// or revokes them, sweeps expired entries, and stops all of it, in order,
// on Close. RotateKeysAt stages a rotation (the new key is published at
// once and signs from a time stored in the key set); RevokeKey withdraws a
// leaked key on every instance.
//
//	svc, err := service.Open(ctx, "redis://localhost:6379/0", service.Options{Issuer: "https://auth.example"})
//	if err != nil {
//		return err
//	}
//	defer svc.Close()
//	mux.Handle("/api/", tmhttp.Authenticate(svc)(api))
//
// It is a small composing package beside the root package, as fosite's
// compose is: the root package stays the vocabulary and imports no
// adapter, the adapters stay independent of each other, and this package
// is the one place that knows them all. A database/sql-style registry of
// stores by URL scheme would save a dependency on go-redis for programs
// that use only the embedded store, but at the price of a blank import that
// a newcomer forgets (and learns of only at run time), and there are only
// two backends.
//
// The combinations that silently lose cancellations cannot be built here:
// a store that other processes write is always followed through its feed
// (a store with no feed must declare itself exclusive, or Open refuses it),
// the keys always come from the store (every instance signs and verifies
// with the same set), and the defaults are the server's.
//
// On a shared Redis the service also keeps the instances in agreement
// (agree.go): it corrects its clock by Redis's, registers the settings
// that decide what is refused and compares them with the other instances',
// checks that Redis does not evict keys, and Ready says why when any of
// that fails. After a data loss in Redis it puts back the key set and the
// cancellations it holds (restore.go).
//
// cmd/tokenmanager serve is this package plus HTTP, flags and commands.
package service
