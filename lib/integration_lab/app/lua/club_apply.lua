-- One fact about a buyer's club membership, atomically: "source S is paid through T" or "source S ended at T".
-- A source is one subscription (`stripe:sub_…`, `stars:<first charge id>`). Per source the script keeps the
-- latest paid-through time (a max) and the earliest end (a min), so a fact applied twice, late or in any order
-- changes nothing more; the buyer's access is the best source's min(through, ended).
-- KEYS: the buyer's club hash. ARGV: op ('through' | 'end'), source, at (Unix s), chat_id ('' keeps it),
-- link (a Stars invoice payload, '' for none), first ('1': the subscription's first payment), keep (s).
-- A Stars renewal names no first charge id, only the link's payload: the first payment maps the payload to its
-- source, and every later payment of the link is applied to that source.
-- Returns {changed (0/1), paid_through, source, ended_at ('' while it renews), chat_id ('' if none)}.
local op, source, at, chat, link, first = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local club = KEYS[1]
if link ~= '' then
  local known = redis.call('HGET', club, 'link:' .. link)
  if known then
    source = known
  elseif first == '1' then
    redis.call('HSET', club, 'link:' .. link, source)
  else
    source = 'stars-link:' .. link  -- a renewal before its first payment: counted on its own until then
  end
end
if chat ~= '' then redis.call('HSET', club, 'chat_id', chat) end
local changed = 0
if op == 'through' then
  local old = tonumber(redis.call('HGET', club, 'through:' .. source)) or 0
  if at > old then redis.call('HSET', club, 'through:' .. source, at); changed = 1 end
elseif op == 'end' then
  local old = tonumber(redis.call('HGET', club, 'ended:' .. source))
  if not old or at < old then redis.call('HSET', club, 'ended:' .. source, at); changed = 1 end
else
  return redis.error_reply('unknown club op ' .. op)
end
-- the summary: the source whose access lasts longest (ties: the one still renewing, then by name)
local fields = redis.call('HGETALL', club)
local stored = {}
for i = 1, #fields, 2 do stored[fields[i]] = fields[i + 1] end
local best, best_source, best_end = 0, '', ''
for name, value in pairs(stored) do
  if string.sub(name, 1, 8) == 'through:' then
    local src = string.sub(name, 9)
    local ends = tonumber(stored['ended:' .. src])
    local access = tonumber(value)
    if ends and ends < access then access = ends end
    local ended = ends and tostring(ends) or ''
    if access > best or (access == best and ((ended == '' and best_end ~= '') or
        ((ended == '') == (best_end == '') and src < best_source))) then
      best, best_source, best_end = access, src, ended
    end
  end
end
redis.call('HSET', club, 'paid_through', best, 'source', best_source, 'ended_at', best_end)
redis.call('EXPIRE', club, tonumber(ARGV[7]))
return {changed, best, best_source, best_end, stored['chat_id'] or ''}
