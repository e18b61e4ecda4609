-- Replace a live session's data and refresh its TTL; never resurrect a session that lapsed meanwhile.
-- KEYS[1]: session hash, KEYS[2]: expiry index. ARGV: now_ms, ttl_ms, user_id, data_json, update_id (the
-- update making this change, or ''). Returns 1 or 0.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'updated_at', ARGV[1])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'update_id', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
return 1
