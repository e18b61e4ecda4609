-- Sliding window log: one sorted set of request times per limit; a request counts for exactly `period`.
-- KEYS[i]: limit i's log. ARGV[1], packed as a JSON array: [now_ms, cost, grace_ms, limit_1,
-- period_ms_1, …, "request_id"], the request id making each member unique (times collide under a frozen clock).
-- Returns one integer: remaining + 1 when allowed; when refused, -(retry_after_ms * (#KEYS + 1) + blocker).
local a = cjson.decode(ARGV[1])
local now, cost, grace, request_id, n = a[1], a[2], a[3], a[#a], #KEYS
local ok, remaining, retry, blocker = true, nil, 0, 0
for i = 1, n do
  local limit, period = a[2 * i + 2], a[2 * i + 3]
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - period)  -- forget what has slid out
  local left = limit - redis.call('ZCARD', KEYS[i]) - cost
  if left < 0 then
    ok = false
    -- the request that must slide out before this one fits
    local oldest = redis.call('ZRANGE', KEYS[i], -left - 1, -left - 1, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + period - now
    if wait > retry then retry, blocker = wait, i end
    left = 0
  end
  if remaining == nil or left < remaining then remaining = left end
end
if not ok then return -(retry * (n + 1) + blocker) end
local members = {}  -- all `cost` members in one ZADD
for k = 1, cost do
  members[2 * k - 1], members[2 * k] = now, request_id .. '#' .. k
end
for i = 1, n do
  redis.call('ZADD', KEYS[i], unpack(members))
  redis.call('PEXPIRE', KEYS[i], a[2 * i + 3] + grace)
end
return remaining + 1
