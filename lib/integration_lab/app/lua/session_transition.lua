-- Move a session along its state machine, atomically, and refresh its TTL (use keeps it alive).
-- KEYS[1]: the session hash. ARGV: now_ms, ttl_ms, user_id, update_id, data_json,
-- expected, then the allowed (from, to) pairs for this event. `update_id` (or '') names the update making this move: it
-- is stored with the move, and the same update moving again is answered 'ok' without moving (a redelivered
-- update must not be refused for a step it already took). `data_json` (or '' to keep it) replaces the
-- session's data in the same move (a cart and the move that put the item in land together). `expected` (or '')
-- makes that a compare-and-set: the data JSON the change was computed from; when the session no longer holds
-- exactly that (another handler changed it meanwhile), nothing is written and the answer is 'changed', so two
-- handlers at once never both apply a change computed from one read, nor does one lose the other's.
-- Returns {status, from, to, fields}: status 'ok', 'changed', 'missing' or 'refused', and the session's fields
-- as a flat list (the caller needs no second read).
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', '', '', {}} end
local now, ttl, update_id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4]
if update_id ~= '' and redis.call('HGET', KEYS[1], 'update_id') == update_id then
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {'ok', state, state, redis.call('HGETALL', KEYS[1])}
end
if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'data') ~= ARGV[6] then
  return {'changed', state, state, redis.call('HGETALL', KEYS[1])}
end
for i = 7, #ARGV, 2 do
  if ARGV[i] == state then
    redis.call('HSET', KEYS[1], 'state', ARGV[i + 1], 'updated_at', now)
    if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'data', ARGV[5]) end
    if update_id ~= '' then redis.call('HSET', KEYS[1], 'update_id', update_id) end
    redis.call('PEXPIRE', KEYS[1], ttl)
    return {'ok', state, ARGV[i + 1], redis.call('HGETALL', KEYS[1])}
  end
end
return {'refused', state, '', {}}
