-- Sliding window log: one sorted set of request times per limit; a request counts for exactly `period`.
-- KEYS[i]: limit i's log. ARGV: now_ms, cost, request_id (a unique member: times collide under a frozen
-- clock), grace_ms, then per limit: limit, period_ms, burst (unused). Returns {allowed, remaining, retry_after_ms, blocker}.
local now, cost, request_id, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local allowed, remaining, retry, blocker = 1, nil, 0, 0
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)  -- forget what has slid out
  local count = redis.call('ZCARD', key)
  local left = limit - count - cost
  if left < 0 then
    allowed = 0
    -- the request that must slide out before this one fits
    local oldest = redis.call('ZRANGE', key, -left - 1, -left - 1, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + period - now
    if wait > retry then retry, blocker = wait, i end
    left = 0
  end
  if remaining == nil or left < remaining then remaining = left end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    for n = 1, cost do
      redis.call('ZADD', key, now, request_id .. '#' .. n)
    end
    redis.call('PEXPIRE', key, tonumber(ARGV[3 * i + 3]) + grace)
  end
end
return {allowed, remaining, retry, blocker}
