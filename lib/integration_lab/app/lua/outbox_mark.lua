-- What became of a claimed job, in one command. KEYS: job hash, due zset, parked set (of its chat).
-- ARGV: job id, outcome, now_ms, value, retention_ms, error (Telegram's description, for retry and park).
--   sent    value = message_id. A job that must still tell the ledger it was delivered stays due (now),
--           so whoever drains next finishes it even if this sender dies; others are done.
--   done    the ledger knows: off the queue; the record expires after the retention.
--   retry   value = when (ms) to try again (Telegram's retry_after, or a back-off).
--   park    the buyer blocked the bot: off the queue until `resume`.
--   resume  the buyer wrote again: a parked job is due now.
--   fail    value = why: Telegram refused it for good; kept for the retention, then gone.
local id, outcome, now, value, keep = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local err = ARGV[6] or ''
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if outcome == 'sent' then
  if state == 'sent' then return 'duplicate' end
  redis.call('HSET', KEYS[1], 'state', 'sent', 'message_id', value, 'sent_at', now, 'error', '')
  if redis.call('HGET', KEYS[1], 'deliver') == '1' then
    redis.call('ZADD', KEYS[2], now, id)
    return 'sent'
  end
  outcome = 'done'
end
if outcome == 'done' then
  redis.call('ZREM', KEYS[2], id)
  redis.call('HSET', KEYS[1], 'deliver', 'done')
  redis.call('PEXPIRE', KEYS[1], keep)
  return 'done'
end
if state == 'sent' then return 'sent' end  -- never undo a send
if outcome == 'retry' then
  redis.call('HSET', KEYS[1], 'state', 'due', 'due_at', value, 'error', err)
  redis.call('ZADD', KEYS[2], tonumber(value), id)
elseif outcome == 'park' then
  redis.call('HSET', KEYS[1], 'state', 'parked', 'error', err)
  redis.call('ZREM', KEYS[2], id)
  redis.call('SADD', KEYS[3], id)
elseif outcome == 'resume' then
  redis.call('SREM', KEYS[3], id)
  if state ~= 'parked' then return state end
  redis.call('HSET', KEYS[1], 'state', 'due', 'due_at', now)
  redis.call('ZADD', KEYS[2], now, id)
  return 'due'
elseif outcome == 'fail' then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'error', value)
  redis.call('ZREM', KEYS[2], id)
  redis.call('PEXPIRE', KEYS[1], keep)
end
return outcome
