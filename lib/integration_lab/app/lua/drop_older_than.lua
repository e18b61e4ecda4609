-- Drop every entry written at or before ARGV[1] (lab ms), as recorded in the write-time index KEYS[1].
-- Atomic, so an entry rewritten meanwhile is never dropped. The entry keys come from the index, so this
-- script is for a single Redis (not Cluster), like the rest of the tag bookkeeping.
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for i = 1, #stale, 500 do
  redis.call('UNLINK', unpack(stale, i, math.min(i + 499, #stale)))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return stale
