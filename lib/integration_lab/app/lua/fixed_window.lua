-- Fixed window, several limits in one call: all must allow, else nothing is counted.
-- KEYS[i]: the counter of limit i's current window (the client puts the window index in the key).
-- ARGV[1], packed as a JSON array: [now_ms, cost, grace_ms, limit_1, period_ms_1, limit_2, period_ms_2, …],
-- grace being how long a key outlives its window (clocks drift). Time is the lab clock's now_ms, never the server's TIME.
-- Returns one integer: remaining + 1 when allowed; when refused, -(retry_after_ms * (#KEYS + 1) + blocker).
-- Counts first, undoes if refused: an allowed request (the common case) costs one INCRBY per limit.
local a = cjson.decode(ARGV[1])
local now, cost, grace, n = a[1], a[2], a[3], #KEYS
local ok, remaining, retry, blocker, counts = true, nil, 0, 0, {}
for i = 1, n do
  local limit, period = a[2 * i + 2], a[2 * i + 3]
  local count = redis.call('INCRBY', KEYS[i], cost)
  -- a new key gets its TTL at once: the window's end plus grace, the same instant for every request in it
  if count == cost then redis.call('PEXPIRE', KEYS[i], period - now % period + grace) end
  counts[i] = count
  local left = limit - count
  if left < 0 then
    ok, left = false, 0
    local wait = period - now % period
    if wait > retry then retry, blocker = wait, i end
  end
  if remaining == nil or left < remaining then remaining = left end
end
if ok then return remaining + 1 end
for i = 1, n do  -- refused: put every counter back as it was (a key this request created goes)
  if counts[i] == cost then redis.call('DEL', KEYS[i]) else redis.call('DECRBY', KEYS[i], cost) end
end
return -(retry * (n + 1) + blocker)
