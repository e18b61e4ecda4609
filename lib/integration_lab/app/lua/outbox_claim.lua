-- Claim a due job before sending it: state `sending`, and its due time pushed a lease ahead, so a sender
-- that dies mid-send leaves it to be taken again once the lease runs out (a restart continues it).
-- A job already `sent` is handed back only to finish its bookkeeping, never to be sent again.
-- KEYS: job hash, due zset. ARGV: job id, now_ms, lease_ms. Returns the job's fields (flat) or nil.
local now = tonumber(ARGV[2])
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'parked' or state == 'failed' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return nil
end
local due = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if not due or due > now then return nil end  -- another sender holds it, or it was rescheduled
if state ~= 'sent' then
  redis.call('HSET', KEYS[1], 'state', 'sending', 'claimed_at', now)
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
