-- Replace a live session's data and refresh its TTL; never resurrect a session that lapsed meanwhile.
-- KEYS[1]: session hash. ARGV: now_ms, ttl_ms, user_id, data_json, update_id (the
-- update making this change, or ''). Returns the session's fields as a flat list (as session_touch does:
-- the caller needs no second read), or an empty list when the session is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'updated_at', ARGV[1])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'update_id', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
