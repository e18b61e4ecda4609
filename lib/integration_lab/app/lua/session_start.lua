-- Start a session afresh (replacing any old one) in the initial state, with its TTL and expiry entry.
-- KEYS[1]: session hash, KEYS[2]: expiry index. ARGV: now_ms, ttl_ms, user_id, state, data_json.
-- Returns the session's fields as a flat list (the caller needs no second read).
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'user_id', ARGV[3], 'state', ARGV[4], 'data', ARGV[5], 'created_at', ARGV[1],
           'updated_at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
return redis.call('HGETALL', KEYS[1])
