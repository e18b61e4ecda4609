-- Fixed window, several limits in one call: all must allow, else nothing is counted.
-- KEYS[i]: the counter of limit i's current window (the client puts the window index in the key).
-- ARGV: now_ms, cost, request_id (unused), grace_ms (kept past the window: clocks drift), then per limit: limit, period_ms, burst (unused here).
-- Time is the lab clock's now_ms, never the server's TIME. Returns {allowed, remaining, retry_after_ms, blocker}.
local now, cost, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local allowed, remaining, retry, blocker = 1, nil, 0, 0
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  local count = tonumber(redis.call('GET', key) or '0')
  local left = limit - count - cost
  if left < 0 then
    allowed = 0
    local wait = period - (now % period)
    if wait > retry then retry, blocker = wait, i end
    left = 0
  end
  if remaining == nil or left < remaining then remaining = left end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    local period = tonumber(ARGV[3 * i + 3])
    redis.call('INCRBY', key, cost)
    redis.call('PEXPIRE', key, period - (now % period) + grace)  -- INCR and its TTL together, never a key without one
  end
end
return {allowed, remaining, retry, blocker}
