// Package redis is TokenManager's shared store: accounts, sessions, the key
// set and the cancelled set in Redis (standalone, Sentinel or Cluster), for
// deployments of many instances, and the change feed that tells every
// instance's replica of each cancellation within a millisecond.
//
// # Opening
//
// Open takes a URL (see Open for the forms) and does no I/O, so a program
// starts and reports itself not ready while Redis is down. go-redis's
// UniversalClient behind it speaks to a standalone server, to a primary
// found through Sentinel, or to a Cluster.
//
// # Keys
//
// See keys.go for the layout. Every key that must expire carries its own
// TTL set to its remaining life (PXAT): a session's at its refresh token's
// expiry, a cancellation's at the expiry of the last token it can match.
// The cancelled set shares the hash tag {c}, so its multi-key script and
// MGET work in a Cluster; that puts it on one shard, which suits a set
// that is written rarely and read whole.
//
// # Durability
//
// Cancel returns after Redis answered the write. That is durable when Redis
// runs with appendonly yes and appendfsync always (the write is fsynced
// before the answer); with everysec a crash of the host, not of Redis
// alone, loses up to about a second; without the AOF a restart loses
// everything since the last snapshot. A maxmemory-policy other than
// noeviction may evict cancellations, which brings cancelled tokens back.
// The store reads these settings (CONFIG GET) on its first Ping and on each
// feed connect and logs a warning when they are weak; WithoutConfigCheck
// turns that off where CONFIG is refused. A failover (Sentinel) to a
// replica that had not received a write loses it too; the feed then sees
// its count go back and every replica reloads.
//
// # Change feed
//
// Each Cancel appends the merged entry to a Redis Stream, numbered, in the
// same script as the write; Watch follows the stream with XREAD BLOCK on
// connections of its own and resyncs (a full reload through Cancellations)
// on every connect and whenever the numbers show a gap. See feed.go for the
// detection and repair of lost messages.
package redis
