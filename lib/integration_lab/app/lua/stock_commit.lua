-- The order is paid: its held units are sold. Repeatable (a second commit finds it committed). If the
-- hold had lapsed and was given back, the units are taken again if the shelf still has them; if not,
-- nothing goes below zero and the answer is 'short' (the shop owes goods it no longer has).
-- KEYS: available, held, lapse. ARGV: order_id, now_ms, items JSON. Returns 'committed'|'duplicate'|'short'.
local order, now = ARGV[1], tonumber(ARGV[2])
local raw = redis.call('HGET', KEYS[2], order)
local items
if raw then
  local hold = cjson.decode(raw)
  if hold.state == 'committed' then return 'duplicate' end
  items = hold.items
else
  items = cjson.decode(ARGV[3])
  for sku, qty in pairs(items) do
    if tonumber(redis.call('HGET', KEYS[1], sku) or '0') < qty then return 'short' end
  end
  for sku, qty in pairs(items) do redis.call('HINCRBY', KEYS[1], sku, -qty) end
end
redis.call('HSET', KEYS[2], order, cjson.encode({items = items, state = 'committed', at = now}))
redis.call('ZREM', KEYS[3], order)
return 'committed'
