-- One prepare id per click_trans_id, written whole or not at all (the id and the order it is for), so a
-- repeated prepare gets the same id back and a Redis cut leaves nothing a resend could trip on.
-- KEYS: trans hash, sequence. ARGV: order_id. Returns {prepare_id, order_id it was first prepared for}.
local known = redis.call('HMGET', KEYS[1], 'prepare_id', 'order_id')
if known[1] then return known end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'prepare_id', id, 'order_id', ARGV[1])
return {tostring(id), ARGV[1]}
