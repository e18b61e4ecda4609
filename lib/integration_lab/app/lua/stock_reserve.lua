-- Hold stock for an order, all items or none, never below zero. First gives back reservations whose
-- time ran out (an abandoned checkout), so a lapsed hold never blocks a buyer who is still here.
-- KEYS: available (hash sku -> units), held (hash order -> JSON), lapse (zset order -> expiry ms).
-- ARGV: order_id, now_ms, ttl_ms, items JSON {sku: qty}, purge limit.
-- Returns {'reserved'|'held' (already, expiry renewed)|'committed'|'short', sku short of stock or ''}.
local order, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local function give_back(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local hold = cjson.decode(raw)
    if hold.state == 'held' then
      for sku, qty in pairs(hold.items) do redis.call('HINCRBY', KEYS[1], sku, qty) end
      redis.call('HDEL', KEYS[2], id)
    end
  end
  redis.call('ZREM', KEYS[3], id)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))) do
  give_back(id)
end
local raw = redis.call('HGET', KEYS[2], order)
if raw then
  local hold = cjson.decode(raw)
  if hold.state == 'committed' then return {'committed', ''} end
  redis.call('ZADD', KEYS[3], now + ttl, order)
  return {'held', ''}
end
local items = cjson.decode(ARGV[4])
local skus = {}
for sku in pairs(items) do table.insert(skus, sku) end
table.sort(skus)  -- the same sku is reported short whatever order the JSON came in
for _, sku in ipairs(skus) do
  if tonumber(redis.call('HGET', KEYS[1], sku) or '0') < items[sku] then return {'short', sku} end
end
for _, sku in ipairs(skus) do redis.call('HINCRBY', KEYS[1], sku, -items[sku]) end
redis.call('HSET', KEYS[2], order, cjson.encode({items = items, state = 'held', at = now}))
redis.call('ZADD', KEYS[3], now + ttl, order)
return {'reserved', ''}
