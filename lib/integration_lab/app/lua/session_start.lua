-- Start a session afresh (replacing any old one) in the initial state, with its TTL.
-- KEYS[1]: session hash. ARGV: now_ms, ttl_ms, user_id, state, data_json.
-- Returns the session's fields as a flat list (the caller needs no second read).
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'user_id', ARGV[3], 'state', ARGV[4], 'data', ARGV[5], 'created_at', ARGV[1],
           'updated_at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
