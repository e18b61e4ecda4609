-- Read a session and refresh its TTL in one step. KEYS[1]: session hash.
-- ARGV: now_ms, ttl_ms, user_id. Returns the hash as a flat list (empty when missing or expired).
local fields = redis.call('HGETALL', KEYS[1])
if #fields > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return fields
