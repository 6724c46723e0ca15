// Package redistest starts real redis-server processes for tests: a
// standalone server (with AOF and a password when asked), a three-master
// Cluster and a primary + replica + Sentinel group. Each process runs on a
// free loopback port with its files in t.TempDir() and is killed by
// t.Cleanup, so a test needs nothing but the redis-server binary.
//
// The Redis store's promises (durable cancellations, a feed that survives
// restarts, a replica that goes stale when Redis stops answering) are about
// how a real server behaves when it is killed, restarted or frozen; a fake
// could not show them. That is why the harness can SIGKILL, SIGSTOP and
// restart a server on the same port and directory.
//
// When redis-server is not on PATH the test is skipped with a message,
// unless TOKENMANAGER_REQUIRE_REDIS=1 (set by CI), where it fails instead:
// CI must never pass by skipping.
package redistest
