// Package tokenmanager makes JSON Web Tokens cancellable.
//
// It is the vocabulary of the project: claims, token pairs, sessions,
// cancellations, accounts, signing keys, the one error type, and the store
// interfaces that every backend implements. It also holds the services built
// only on that vocabulary: the [Manager] that issues, verifies, refreshes and
// cancels tokens, the in-memory [CancelledSet] that every protected request is
// checked against, and the [Accounts] service of the server.
//
// Nothing here imports a database, Redis or HTTP: the adapters live in their
// own packages (bolt, redis, http, jose) and the program in cmd/tokenmanager.
package tokenmanager
