-- The lapse sweep told the buyer about the membership that ended at ARGV[2]: drop the buyer from the due set
-- only if that is still their due time. A renewal that moved it meanwhile keeps them watched.
-- KEYS: the due zset. ARGV: member (user id), the due time the sweep saw. Returns 1 if dropped.
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if due and tonumber(due) == tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
