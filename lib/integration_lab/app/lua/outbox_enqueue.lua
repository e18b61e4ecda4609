-- Queue messages once: a job whose key exists (queued, sent, parked) is left as it is, so enqueueing the
-- same order's goods twice queues them once. KEYS: due zset, then one hash per job.
-- ARGV: now_ms, then per job its JSON fields. Returns how many were queued now.
local now, queued = tonumber(ARGV[1]), 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local job = cjson.decode(ARGV[i])
    for name, value in pairs(job) do redis.call('HSET', KEYS[i], name, value) end
    redis.call('HSET', KEYS[i], 'state', 'due', 'attempts', 0, 'created_at', now, 'due_at', now)
    redis.call('ZADD', KEYS[1], now, job.id)
    queued = queued + 1
  end
end
return queued
