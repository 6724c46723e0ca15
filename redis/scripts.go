package redis

import goredis "github.com/redis/go-redis/v9"

// cancelScript merges a cancellation with the stored one (the later cut-off
// and the later expiry), writes the entry key (PXAT its expiry), the hash
// and the expiry index, and appends the merged entry to the change feed
// with the next sequence number: all in one atomic step, so a subscriber
// never sees a write without its feed entry, nor the other way round.
//
// KEYS: entry, all, exp, feed, seq. ARGV: field, before, expires (Unix ms),
// feed length, kind, issuer, id.
var cancelScript = goredis.NewScript(`
local before, expires = ARGV[2], ARGV[3]
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local b, e = string.match(cur, '^(%-?%d+) (%-?%d+)$')
  if b and tonumber(b) > tonumber(before) then before = b end
  if e and tonumber(e) > tonumber(expires) then expires = e end
end
local v = before .. ' ' .. expires
if tonumber(expires) > 0 then
  redis.call('SET', KEYS[1], v, 'PXAT', expires)
end
redis.call('HSET', KEYS[2], ARGV[1], v)
redis.call('ZADD', KEYS[3], expires, ARGV[1])
local n = redis.call('INCR', KEYS[5])
return redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*',
  'n', n, 'k', ARGV[5], 'i', ARGV[6], 'd', ARGV[7], 'b', before, 'e', expires)
`)

// sweepScript removes up to ARGV[2] entries that expired at ARGV[1] (Unix
// ms) from the hash, the expiry index and their entry keys (named from the
// prefix ARGV[3], in the same slot), and returns how many it removed.
//
// KEYS: all, exp.
var sweepScript = goredis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids == 0 then return 0 end
redis.call('HDEL', KEYS[1], unpack(ids))
redis.call('ZREM', KEYS[2], unpack(ids))
for _, id in ipairs(ids) do redis.call('DEL', ARGV[3] .. id) end
return #ids
`)

// positionScript returns where the feed stands: the number and the ID of
// its last entry ("0-0" when the stream is empty or missing).
//
// KEYS: seq, feed.
var positionScript = goredis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last == 0 then return {n, '0-0'} end
return {n, last[1][1]}
`)

// indexScript adds session ARGV[2] with score ARGV[1] (creation, Unix ms)
// to a subject's index and extends the index's life to ARGV[3] (the
// session's expiry, Unix ms) unless it lives longer already; 0 means that
// the session never expires, nor then does the index. A session that has
// already expired is not indexed.
//
// KEYS: index.
var indexScript = goredis.NewScript(`
if ARGV[3] == '0' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PERSIST', KEYS[1])
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = tonumber(ARGV[3])
if until_ <= now then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local cur = redis.call('PEXPIRETIME', KEYS[1])
if cur == -1 or cur < until_ then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1
`)

// casScript stores ARGV[2] in KEYS[1], to expire at ARGV[3] (Unix ms, 0 for
// never), only if KEYS[1] still holds ARGV[1]; it returns 1 when it stored.
var casScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
end
return 1
`)
