-- Give orders' held units back to the shelf (a cancel, or a hold that lapsed); sold units stay sold.
-- KEYS: available, held, lapse. ARGV: cutoff ms ('all': release whatever the expiry), order_ids...
-- An order whose hold was renewed past the cutoff meanwhile is left alone. Returns how many were given back.
local cutoff = ARGV[1] == 'all' and math.huge or tonumber(ARGV[1])
local released = 0
for i = 2, #ARGV do
  local order = ARGV[i]
  local expiry = tonumber(redis.call('ZSCORE', KEYS[3], order)) or -math.huge
  local raw = redis.call('HGET', KEYS[2], order)
  if expiry <= cutoff and raw then
    local hold = cjson.decode(raw)
    if hold.state == 'held' then
      for sku, qty in pairs(hold.items) do redis.call('HINCRBY', KEYS[1], sku, qty) end
      redis.call('HDEL', KEYS[2], order)
      released = released + 1
    end
  end
  if expiry <= cutoff then redis.call('ZREM', KEYS[3], order) end
end
return released
