-- Remember who bought an order, in which chat, which items: whole or not at all, and repeatable (the same
-- fields again change nothing). KEYS: the order's record (hash). ARGV: order_id, user_id, chat_id, items
-- JSON, keep_s. The buyer's list of orders is another slot's (theirs): ShopOrders writes it beside this call.
redis.call('HSET', KEYS[1], 'order_id', ARGV[1], 'user_id', ARGV[2], 'chat_id', ARGV[3], 'items', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
