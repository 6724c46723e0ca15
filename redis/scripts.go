package redis

import goredis "github.com/redis/go-redis/v9"

// cancelScript merges a cancellation with the stored one (the later cut-off
// and the later expiry), appends the merged entry to the change feed with
// the next sequence number, then writes the hash, the expiry index, the
// sequence number and the entry key (PXAT its expiry): all in one atomic
// step, so a subscriber never sees a write without its feed entry, nor the
// other way round. The stream is written first: Redis does not roll a
// script back, and a write it refuses (an ACL user without XADD, out of
// memory) then fails the script before it has written anything.
//
// With a margin (ARGV[8], ms; empty for none) the entry is a session's or
// subject's cut-off: the cut-off becomes at least the server's TIME plus
// the margin, taken inside the write, and the expiry at least the cut-off
// plus the longer of the caller's lifetime (ARGV[9], ms) and the longest
// that any instance announced (KEYS[6]).
//
// The subject of the entry's tokens (ARGV[10], empty if unknown) is kept
// in a hash of its own (KEYS[7], entry -> subject), not in the "before
// expires" value of KEYS[2], which older versions parse strictly: a
// subject once stored is kept. The feed entry carries it as field s (older
// readers ignore it). It returns {before, expires, subject}.
//
// KEYS: entry, all, exp, feed, seq, life, sub. ARGV: field, before,
// expires (Unix ms), feed length, kind, issuer, id, margin, life, subject.
var cancelScript = goredis.NewScript(`
local before, expires = tonumber(ARGV[2]), tonumber(ARGV[3])
if ARGV[8] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  before = math.max(before, now + tonumber(ARGV[8]))
  local life = math.max(tonumber(ARGV[9]), tonumber(redis.call('GET', KEYS[6]) or '0'))
  expires = math.max(expires, before + life)
end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local b, e = string.match(cur, '^(%-?%d+) (%-?%d+)$')
  if b then before = math.max(before, tonumber(b)) end
  if e then expires = math.max(expires, tonumber(e)) end
end
local bs, es = string.format('%d', before), string.format('%d', expires)
local sub = redis.call('HGET', KEYS[7], ARGV[1])
local n = tonumber(redis.call('GET', KEYS[5]) or '0') + 1
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*',
  'n', n, 'k', ARGV[5], 'i', ARGV[6], 'd', ARGV[7], 'b', bs, 'e', es, 's', sub or ARGV[10])
redis.call('SET', KEYS[5], n)
if not sub then
  sub = ARGV[10]
  if sub ~= '' then redis.call('HSET', KEYS[7], ARGV[1], sub) end
end
local v = bs .. ' ' .. es
redis.call('HSET', KEYS[2], ARGV[1], v)
redis.call('ZADD', KEYS[3], es, ARGV[1])
if expires > 0 then
  redis.call('SET', KEYS[1], v, 'PXAT', es)
end
return {bs, es, sub}
`)

// sweepScript removes up to ARGV[2] entries that expired at ARGV[1] (Unix
// ms) from the hash, the expiry index and their entry keys (named from the
// prefix ARGV[3], in the same slot), and returns how many it removed. It
// never sweeps what has not expired by the server's own clock, with a
// second to spare (ARGV[4], ms), so that an instance whose clock runs
// ahead cannot remove live entries. Their subjects (KEYS[3]) go with them.
//
// KEYS: all, exp, sub.
var sweepScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[4])
local upto = string.format('%d', math.min(tonumber(ARGV[1]), now))
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', upto, 'LIMIT', 0, ARGV[2])
if #ids == 0 then return 0 end
redis.call('HDEL', KEYS[1], unpack(ids))
redis.call('HDEL', KEYS[3], unpack(ids))
redis.call('ZREM', KEYS[2], unpack(ids))
for _, id in ipairs(ids) do redis.call('DEL', ARGV[3] .. id) end
return #ids
`)

// timeScript returns the TIME of the node that holds KEYS[1] (the {c}
// slot: the clock that stamps cut-offs).
var timeScript = goredis.NewScript(`return redis.call('TIME')`)

// maxScript raises the integer in KEYS[1] to ARGV[1] if it is lower, and
// returns the value it holds.
var maxScript = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local v = tonumber(ARGV[1])
if v > cur then redis.call('SET', KEYS[1], ARGV[1]); return v end
return cur
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
