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
// The layout, with the default prefix "tm" (WithPrefix):
//
//	tm:a:<username>     string  account (JSON); no TTL
//	tm:s:<session id>   string  session (JSON); PXAT its RefreshExpiresAt
//	tm:u:<subject>:s    zset    the subject's session ids by creation time;
//	                            PXAT the latest RefreshExpiresAt of its sessions
//	tm:keyset           string  the key set (JSON); no TTL
//	tm:format           string  the layout's format (FormatVersion); absent = 1
//	tm:{c}:e:<entry>    string  a cancellation "before expires" (Unix ms);
//	                            PXAT its ExpiresAt; <entry> is Cancellation.Key()
//	tm:{c}:all          hash    every cancellation, entry -> "before expires"
//	tm:{c}:exp          zset    every cancellation, entry by expiry (for Sweep)
//	tm:{c}:sub          hash    entry -> the subject of the tokens it cancels,
//	                            when known (Cancellation.Subject); written by
//	                            the Cancel script, removed by Sweep with the
//	                            entry. A separate hash so that the values of
//	                            tm:{c}:all keep the form older versions parse;
//	                            entries without a field here are listed with
//	                            no subject (as older versions wrote them).
//	                            While older instances run beside newer ones
//	                            (a rolling upgrade), their sweeps leave the
//	                            fields of what they sweep here: a few stale
//	                            fields, harmless (read only for entries of
//	                            tm:{c}:all, and an identity's subject never
//	                            changes).
//	tm:{c}:feed         stream  the change feed, XADD MAXLEN ~ N
//	tm:{c}:seq          string  the number of the feed's last entry
//	tm:{c}:life         string  the longest token lifetime (ms) any instance
//	                            announced: the least a session or subject
//	                            cancellation lives (only grows)
//	tm:{c}:instances    hash    instance id -> "seen-ms settings-JSON", the
//	                            settings every instance must agree on (Guard)
//
// Every key of the cancelled set carries the hash tag {c}, so that in a
// Cluster they share one slot: the Cancel script writes the entry, the
// hash, the expiry index and the stream atomically, and IsCancelled reads
// three entries with one MGET. Sessions are read by id alone on every
// refresh, so a session key holds no subject and no tag; the per-subject
// index is another key, possibly on another node. The index is written
// before the record (on creation, and on every extension of a session's
// life) and after it on deletion, so a failure between the two can leave an
// index entry without a record, which Sessions prunes, but never a live
// session that the index misses: sign-out of "other sessions" relies on it.
//
// A cancellation is kept three times, each for one reader: the entry key
// for IsCancelled (and so that Redis drops it at its expiry even if no
// instance ever sweeps), the hash for a full reload (HSCAN of one key
// instead of SCAN over the keyspace), the expiry index for Sweep. That
// costs about 450 bytes per cancellation (measured: 455 MB for 10^6, of
// which the hash 112 MB and the index 119 MB); the reload of 10^6 takes
// about 1.5 s (BenchmarkCancellations).
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
// # Many instances, one clock
//
// Redis's clock (TIME on the node of the {c} slot) is the one clock of the
// instances: a session's or subject's cut-off is stamped inside the Cancel
// script (CancelCutoff), sweeps never remove what Redis's clock has not
// expired by a second, and each instance corrects its own clock by the
// offset it measures (Guard, Store.Time). Guard also registers the
// instance's settings, compares them with the others', and checks that
// Redis does not evict keys; the server is not ready while any of that
// fails. The strict check reads the {c}:all hash, which has no TTL: an
// evicting policy removes per-entry keys (which have one) first.
//
// # Change feed
//
// The change feed is the stream tm:{c}:feed. The Cancel script appends every
// cancellation to it, in the same atomic step as the write, with a field n
// that counts the feed's entries (tm:{c}:seq). Watch follows it with XREAD
// BLOCK on connections of its own. An entry's fields: n, k (kind), i
// (issuer), d (id), b and e (cut-off and expiry, Unix ms) and s (the
// subject, empty when unknown; readers of older versions ignore it).
//
// How a lost message is detected and repaired:
//
//   - On every (re)connect Watch first reads the feed's position (the last
//     entry's ID and n, in one script), then has the handler reload the
//     whole set (Resync), then reads the stream from that position up to
//     its end, and only then reports Live(true). A cancellation made
//     during the reload is in the reload or after the position, so nothing
//     falls between the two; one in both is applied twice, which merging
//     makes harmless.
//   - Every entry must carry n = previous n + 1. Any other number means
//     entries were lost: trimmed by MAXLEN while this reader was slow or
//     away, or Redis lost data (a restart without AOF, a failover to a
//     replica that lagged) and counts again from 1. Watch then resyncs.
//   - When a blocking read times out with nothing new, Watch compares the
//     feed's n with its own: lower means Redis lost data; higher twice in a
//     row means entries exist that the read cannot reach (a stream recreated
//     with older IDs). Either way Watch resyncs.
//   - A connection that fails (Redis killed, restarted, unreachable) is
//     reported as Live(false) at once. One that hangs (a frozen Redis, a
//     silently dropped link) is cut by a deadline: a read that overruns
//     the block time by grace is followed by a probe with its own
//     deadline, and only a failed probe declares the link dead, so that a
//     CPU too busy to collect a healthy reply in time does not cost a
//     reconnect and a full reload. A frozen Redis is thus noticed within
//     the block time plus 750ms (1.25 s by default; WithFeedBlock).
//     Watch then reconnects with backoff, and the reconnect resyncs.
//   - The staleness bound does not wait for that: a handler that is a
//     tm.Confirmer (the Replica) is told the moment each command was sent
//     whose answer proved it current (a read that returned nothing, or
//     fewer entries than asked for without a gap; a probe whose n equals
//     its own; the catch-up after a reconnect), and counts MaxStaleness
//     from the latest. For such a handler the blocking read waits at most
//     its Heartbeat (MaxStaleness/4), so a healthy feed confirms at least
//     that often.
package redis
