-- One transition of the payments ledger, atomically: an order (hash), its payments (hash of JSON by
-- "provider:ref") and its journal (list). Every provider's handler goes through here, so an order is
-- paid at most once whoever pays it and whatever order their notifications arrive in.
-- Each payment keeps its times: at (first seen), settled_at, closed_at (failed or canceled), refunded_at.
-- KEYS: order, payments, journal. ARGV: op, provider, ref, amount, currency, now_ms, detail.
-- Returns {outcome, order status, this payment as stored (JSON, '' when it is not recorded), the order's
-- paid_by}: what the caller would otherwise read back.
local op, provider, ref, amount = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local currency, now, detail = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'unknown_order', ''} end
local order_amount = tonumber(redis.call('HGET', KEYS[1], 'amount'))
local order_currency = redis.call('HGET', KEYS[1], 'currency')
-- an order may also be paid in another currency at its own price (`price:<CUR>`); a payment in any of
-- them is accepted at that price
local function price_in(cur)
  if cur == order_currency then return order_amount end
  return tonumber(redis.call('HGET', KEYS[1], 'price:' .. cur))
end
local paid_by = redis.call('HGET', KEYS[1], 'paid_by') or ''
local key = provider .. ':' .. ref

local raw = redis.call('HGET', KEYS[2], key)
local pay
if raw then pay = cjson.decode(raw) else
  pay = {provider = provider, ref = ref, amount = amount, currency = currency, status = 'pending', refunded = 0,
         at = now}
end

local function finish(outcome, changed)
  local stored = raw or ''
  if changed then
    stored = cjson.encode(pay)
    redis.call('HSET', KEYS[2], key, stored)
  end
  status = redis.call('HGET', KEYS[1], 'status')
  redis.call('RPUSH', KEYS[3], cjson.encode({at = now, op = op, provider = provider, ref = ref, amount = amount,
                                             outcome = outcome, status = status}))
  return {outcome, status, stored, redis.call('HGET', KEYS[1], 'paid_by') or ''}
end

local function refund_status(refunded)  -- against the paying payment's own amount (its own currency)
  if refunded >= pay.amount then return 'refunded' end
  if refunded > 0 then return 'partially_refunded' end
  return 'paid'
end

local settled = pay.status == 'succeeded' or pay.status == 'refused'

if op == 'attempt' or op == 'authorize' then
  if settled then return finish('duplicate', false) end
  if pay.status == 'canceled' then return finish('canceled', false) end  -- canceled is final
  if status == 'canceled' then return finish('canceled', false) end
  if paid_by ~= '' then return finish('already_paid', false) end
  if amount ~= price_in(currency) then return finish('wrong_amount', false) end
  local next_status = (op == 'authorize') and 'authorized' or 'pending'
  if raw and (pay.status == next_status or (pay.status == 'authorized' and op == 'attempt')) then
    return finish('duplicate', false)
  end
  pay.status = next_status
  return finish(next_status, true)

elseif op == 'settle' then
  if settled then return finish('duplicate', false) end
  local refusal = nil
  if paid_by ~= '' then refusal = 'already_paid'
  elseif status == 'canceled' then refusal = 'canceled'
  elseif amount ~= price_in(currency) then refusal = 'wrong_amount' end
  pay.amount, pay.currency = amount, currency
  if refusal then
    pay.status, pay.reason = 'refused', refusal
    return finish(refusal, true)
  end
  pay.status, pay.settled_at = 'succeeded', now
  redis.call('HSET', KEYS[1], 'paid_by', key, 'paid_at', now, 'refunded', pay.refunded,
             'status', refund_status(pay.refunded))
  return finish('paid', true)

elseif op == 'claim' then  -- a provider that asks before it takes the money: Payme perform, Click complete
  if pay.status == 'succeeded' then return finish('duplicate', false) end
  local refusal = nil
  if paid_by ~= '' then refusal = 'already_paid'
  elseif status == 'canceled' or pay.status == 'canceled' then refusal = 'canceled'
  elseif amount ~= price_in(currency) then refusal = 'wrong_amount' end
  if refusal then return finish(refusal, false) end  -- the provider is told no, so no money moved
  pay.amount, pay.currency, pay.status, pay.settled_at = amount, currency, 'succeeded', now
  redis.call('HSET', KEYS[1], 'paid_by', key, 'paid_at', now, 'refunded', pay.refunded,
             'status', refund_status(pay.refunded))
  return finish('paid', true)

elseif op == 'deliver' then  -- the goods went out: some providers may no longer cancel
  if paid_by == '' then return finish('not_paid', false) end
  if redis.call('HGET', KEYS[1], 'delivered') == '1' then return finish('duplicate', false) end
  redis.call('HSET', KEYS[1], 'delivered', 1)
  return finish('delivered', false)

elseif op == 'fail' then  -- detail: 'failed' or 'canceled'
  if settled then return finish('ignored', false) end
  if pay.status == detail then return finish('duplicate', false) end
  pay.status, pay.closed_at = detail, now
  return finish(detail, true)

elseif op == 'refund' then  -- amount: the payment's refunded total so far, as the provider reports it
  if amount <= pay.refunded then return finish('duplicate', false) end
  pay.refunded, pay.refunded_at = amount, now
  if paid_by == key then
    redis.call('HSET', KEYS[1], 'refunded', amount, 'status', refund_status(amount))
    return finish('refunded', true)
  end
  return finish('recorded', true)

elseif op == 'cancel' then
  if status == 'canceled' then return finish('duplicate', false) end
  if paid_by ~= '' then return finish('already_paid', false) end
  redis.call('HSET', KEYS[1], 'status', 'canceled', 'canceled_at', now)
  return finish('canceled', false)
end
return redis.error_reply('unknown ledger op ' .. op)
