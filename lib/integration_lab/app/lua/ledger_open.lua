-- Open an order whole or not at all (a half-written order would block its id for ever).
-- KEYS: order hash. ARGV: order_id, amount, currency, description, created_at, then pairs of
-- (currency, price) it may also be paid in, kept as `price:<CUR>`. Returns {1, fields} when opened now,
-- {0, fields} when it existed (fields: the order's hash, flat, as it stands: the caller needs no second read).
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'status', 'awaiting_payment', 'order_id', ARGV[1], 'amount', ARGV[2],
           'currency', ARGV[3], 'description', ARGV[4], 'created_at', ARGV[5], 'paid_by', '', 'refunded', 0)
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'price:' .. ARGV[i], ARGV[i + 1])
end
return {1, redis.call('HGETALL', KEYS[1])}
