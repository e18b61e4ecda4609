-- Sliding window counter: this window's count plus the previous window's, weighted by how much of it
-- still overlaps the sliding window. KEYS[2i-1], KEYS[2i]: limit i's current and previous window counters.
-- ARGV[1], packed as a JSON array: [now_ms, cost, grace_ms, limit_1, period_ms_1, limit_2, period_ms_2, …].
-- Returns one integer: remaining + 1 when allowed; when refused, -(retry_after_ms * (#KEYS / 2 + 1) + blocker).
local a = cjson.decode(ARGV[1])
local now, cost, grace, n = a[1], a[2], a[3], #KEYS / 2
local counts = redis.call('MGET', unpack(KEYS))  -- every counter in one command
local ok, remaining, retry, blocker = true, nil, 0, 0
for i = 1, n do
  local limit, period = a[2 * i + 2], a[2 * i + 3]
  local current = tonumber(counts[2 * i - 1] or '0')
  local previous = tonumber(counts[2 * i] or '0')
  local elapsed = now % period
  local estimate = previous * (period - elapsed) / period + current
  local left = math.floor(limit - estimate - cost)
  if left < 0 then
    ok = false
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
if not ok then return -(retry * (n + 1) + blocker) end
for i = 1, n do
  local period = a[2 * i + 3]
  -- a new counter gets its TTL at once, the same instant for every request in the window: it is needed
  -- through the next window too, as that window's "previous"
  if redis.call('INCRBY', KEYS[2 * i - 1], cost) == cost then
    redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * period - now % period + grace)
  end
end
return remaining + 1
