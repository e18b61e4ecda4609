-- GCRA (a token bucket kept as one number): the theoretical arrival time (TAT) of the next request.
-- One request is "emitted" every period/limit ms; up to `burst` may arrive at once.
-- KEYS[i]: limit i's TAT. ARGV[1], packed as a JSON array: [now_ms, cost, grace_ms, limit_1, period_ms_1, burst_1, …].
-- Returns one integer: remaining + 1 when allowed; when refused, -(retry_after_ms * (#KEYS + 1) + blocker).
local a = cjson.decode(ARGV[1])
local now, cost, grace, n = a[1], a[2], a[3], #KEYS
local tats = redis.call('MGET', unpack(KEYS))  -- every TAT in one command
local ok, remaining, retry, blocker = true, nil, 0, 0
for i = 1, n do
  local limit, period, burst = a[3 * i + 1], a[3 * i + 2], a[3 * i + 3]
  local interval = period / limit
  local tat = math.max(tonumber(tats[i] or '0'), now)
  local new_tat = tat + interval * cost
  local allow_at = new_tat - burst * interval
  local left
  if now < allow_at then
    ok = false
    local wait = math.ceil(allow_at - now)
    if wait > retry then retry, blocker = wait, i end
    left = 0
  else
    left = math.floor((now - allow_at) / interval)
  end
  tats[i] = new_tat
  if remaining == nil or left < remaining then remaining = left end
end
if not ok then return -(retry * (n + 1) + blocker) end
for i = 1, n do
  redis.call('SET', KEYS[i], string.format('%.3f', tats[i]), 'PX', math.ceil(tats[i] - now) + grace)
end
return remaining + 1
