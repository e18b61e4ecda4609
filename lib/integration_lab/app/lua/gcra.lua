-- GCRA (a token bucket kept as one number): the theoretical arrival time (TAT) of the next request.
-- One request is "emitted" every period/limit ms; up to `burst` may arrive at once.
-- KEYS[i]: limit i's TAT. ARGV: now_ms, cost, request_id (unused), grace_ms, then per limit: limit, period_ms, burst.
-- Returns {allowed, remaining, retry_after_ms, blocker}.
local now, cost, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local allowed, remaining, retry, blocker = 1, nil, 0, 0
local new_tats = {}
for i, key in ipairs(KEYS) do
  local limit, period, burst = tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 3]), tonumber(ARGV[3 * i + 4])
  local interval = period / limit
  local tat = math.max(tonumber(redis.call('GET', key) or '0'), now)
  local new_tat = tat + interval * cost
  local allow_at = new_tat - burst * interval
  local left
  if now < allow_at then
    allowed = 0
    local wait = math.ceil(allow_at - now)
    if wait > retry then retry, blocker = wait, i end
    left = 0
  else
    left = math.floor((now - allow_at) / interval)
  end
  new_tats[i] = new_tat
  if remaining == nil or left < remaining then remaining = left end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, string.format('%.3f', new_tats[i]), 'PX', math.ceil(new_tats[i] - now) + grace)
  end
end
return {allowed, remaining, retry, blocker}
