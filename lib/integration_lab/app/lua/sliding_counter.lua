-- Sliding window counter: this window's count plus the previous window's, weighted by how much of it
-- still overlaps the sliding window. KEYS[2i-1], KEYS[2i]: limit i's current and previous window counters.
-- ARGV: now_ms, cost, request_id (unused), grace_ms, then per limit: limit, period_ms, burst (unused).
-- Returns {allowed, remaining, retry_after_ms, blocker}.
local now, cost, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local allowed, remaining, retry, blocker = 1, nil, 0, 0
for i = 1, #KEYS / 2 do
  local limit, period = tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local elapsed = now % period
  local estimate = previous * (period - elapsed) / period + current
  local left = math.floor(limit - estimate - cost)
  if left < 0 then
    allowed = 0
    local wait
    if current + cost <= limit then
      -- wait until enough of the previous window has slid out
      wait = math.ceil(period - elapsed - (limit - current - cost) * period / previous)
    else
      -- wait for the next window, then until enough of this one has slid out
      wait = period - elapsed + math.max(0, math.ceil(period - period * (limit - cost) / current))
    end
    if wait > retry then retry, blocker = wait, i end
    left = 0
  end
  if remaining == nil or left < remaining then remaining = left end
end
if allowed == 1 then
  for i = 1, #KEYS / 2 do
    local period = tonumber(ARGV[3 * i + 3])
    redis.call('INCRBY', KEYS[2 * i - 1], cost)
    -- the counter is needed through the next window too, as that window's "previous"
    redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * period - (now % period) + grace)
  end
end
return {allowed, remaining, retry, blocker}
