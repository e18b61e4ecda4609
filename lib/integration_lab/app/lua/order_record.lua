-- Remember who bought an order, in which chat, which items: whole or not at all, and repeatable (the same
-- fields again change nothing). KEYS: the order's record (hash), the buyer's orders (zset).
-- ARGV: order_id, user_id, chat_id, items JSON, keep_s, now_ms.
redis.call('HSET', KEYS[1], 'order_id', ARGV[1], 'user_id', ARGV[2], 'chat_id', ARGV[3], 'items', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], 'NX', ARGV[6], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
