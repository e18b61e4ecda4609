-- A Telegram update's first step, in one call: is it a repeat, does the command rate limit allow it, and the
-- session step it needs. Composed (scripts.py, app/bot/shop_bot.py) with the rate limit's algorithm as
-- `rate_limit` and session_start, session_touch and session_transition as `start`, `touch` and `transition`:
-- the same code as their own calls. Every key is the one buyer's, tagged with them (their update, session and
-- rate limit: one cluster slot); what spans buyers (the sessions' expiry index, the chat's parked outbox jobs)
-- goes beside this call in the same round trip.
-- KEYS: the update's seen key; then, with a session step, the session hash; then the rate limit's keys.
-- ARGV: now_ms, ttl_ms, user_id, update_id, initial state, session step ('' none; start, ensure (touch, or
-- start when there is none), touch, transition), the rate limit's packed argument ('' none), then a
-- transition's (from, to) pairs.
-- A repeat changes nothing and answers {'seen'}. Otherwise {'new', the rate limit's answer (1 without one),
-- session status ('' no step; ok, missing, refused), session state (refused), fields (flat)}; a refused rate
-- limit takes no session step.
if redis.call('EXISTS', KEYS[1]) == 1 then return {'seen'} end
local now, ttl, user, update_id, initial, step = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local i, session = 2, nil
if step ~= '' then session, i = {KEYS[2]}, 3 end
local limit = 1
if ARGV[7] ~= '' then
  limit = rate_limit({unpack(KEYS, i)}, {ARGV[7]})
  if limit <= 0 then return {'new', limit, '', '', {}} end
end
local status, state, fields = '', '', {}
if step == 'start' then
  status, fields = 'ok', start(session, {now, ttl, user, initial, '{}'})
elseif step == 'ensure' or step == 'touch' then
  fields = touch(session, {now, ttl, user})
  if #fields == 0 and step == 'ensure' then fields = start(session, {now, ttl, user, initial, '{}'}) end
  status = #fields > 0 and 'ok' or 'missing'
elseif step == 'transition' then
  local moved = transition(session, {now, ttl, user, update_id, '', '', unpack(ARGV, 8)})
  status, state, fields = moved[1], moved[2], moved[4]
end
return {'new', limit, status, state, fields}
