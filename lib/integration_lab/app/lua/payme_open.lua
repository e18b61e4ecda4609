-- Record a Payme transaction whole or not at all: its number, its fields and its statement entry, so a
-- Redis cut can never leave a half-written transaction that every resend would then refuse.
-- KEYS: tx hash, statement zset, sequence. ARGV: id, time, amount, order_id. Returns the transaction's
-- fields (flat) as they stand, written now or before (the caller needs no second read).
if redis.call('HEXISTS', KEYS[1], 'order_id') == 1 then return redis.call('HGETALL', KEYS[1]) end
local number = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'time', ARGV[2], 'amount', ARGV[3], 'order_id', ARGV[4],
           'transaction', number)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return redis.call('HGETALL', KEYS[1])
