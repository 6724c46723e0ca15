package redis

// keys names every Redis key of the store. The layout, with the default
// prefix "tm":
//
//	tm:a:<username>     string  account (JSON); no TTL
//	tm:s:<session id>   string  session (JSON); PXAT its RefreshExpiresAt
//	tm:u:<subject>:s    zset    the subject's session ids by creation time;
//	                            PXAT the latest RefreshExpiresAt of its sessions
//	tm:keyset           string  the key set (JSON); no TTL
//	tm:{c}:e:<entry>    string  a cancellation "before expires" (Unix ms);
//	                            PXAT its ExpiresAt; <entry> is Cancellation.Key()
//	tm:{c}:all          hash    every cancellation, entry -> "before expires"
//	tm:{c}:exp          zset    every cancellation, entry by expiry (for Sweep)
//	tm:{c}:feed         stream  the change feed, XADD MAXLEN ~ N
//	tm:{c}:seq          string  the number of the feed's last entry
//
// Every key of the cancelled set carries the hash tag {c}, so that in a
// Cluster they share one slot: the Cancel script writes the entry, the
// hash, the expiry index and the stream atomically, and IsCancelled reads
// three entries with one MGET. Sessions are read by id alone on every
// refresh, so a session key holds no subject and no tag; the per-subject
// index is another key, possibly on another node, and is written first
// (see sessions.go) so that it never misses a live session.
//
// A cancellation is kept three times, each for one reader: the entry key
// for IsCancelled (and so that Redis drops it at its expiry even if no
// instance ever sweeps), the hash for a full reload (HSCAN of one key
// instead of SCAN over the keyspace), the expiry index for Sweep. That
// costs about 450 bytes per cancellation (measured: 455 MB for 10^6, of
// which the hash 112 MB and the index 119 MB); the reload of 10^6 takes
// about 1.5 s (BenchmarkCancellations).
type keys struct{ p string }

func (k keys) account(name string) string     { return k.p + ":a:" + name }
func (k keys) session(id string) string       { return k.p + ":s:" + id }
func (k keys) subjectIndex(sub string) string { return k.p + ":u:" + sub + ":s" }
func (k keys) keySet() string                 { return k.p + ":keyset" }
func (k keys) entry(key string) string        { return k.entryPrefix() + key }
func (k keys) entryPrefix() string            { return k.p + ":{c}:e:" }
func (k keys) all() string                    { return k.p + ":{c}:all" }
func (k keys) expiry() string                 { return k.p + ":{c}:exp" }
func (k keys) stream() string                 { return k.p + ":{c}:feed" }
func (k keys) seq() string                    { return k.p + ":{c}:seq" }
