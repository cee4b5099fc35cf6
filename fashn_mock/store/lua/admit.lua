-- Admit one prediction in one step (store.base.Ledger.admit): count the rate window,
-- settle the key, take a fault rule, take a slot and reserve credits, store it.
-- ARGV: 3 now, 4 key, 5 rule ('' = none), 6 limit, 7 interval ms, 8 now ms,
-- 9 faults ('1' = look for a rule), 10 model, 11 limits ('1' = on), 12 concurrency,
-- 13 starting credits, 14 cost, 15 id, 16 its sequence number (the listing order),
-- 17 finished, 18 expires at, 19 ttl ms, 20.. the prediction's fields (name, value...).
local settings = stale()
if settings then return {'stale', settings} end
local now, key, rule = ARGV[3], ARGV[4], ARGV[5]
local start, cost = tonumber(ARGV[13]), tonumber(ARGV[14])
evict(now, start, 20)
local window = {'', '', '', ''}
if rule ~= '' then
  window = hit(key, rule, tonumber(ARGV[8]), tonumber(ARGV[6]), tonumber(ARGV[7]))
  if window[1] == '0' then return {'limited', window} end
end
settle(key, now, start)
if ARGV[9] == '1' then
  local taken = take_fault(key, ARGV[10])
  if taken then return {'fault', window, taken} end
end
local b = account(key, start)
if ARGV[11] == '1' and b.open >= tonumber(ARGV[12]) then
  local next = redis.call('ZRANGE', k('k', key, 'pending'), 0, 0, 'WITHSCORES')
  local wait = 0
  if #next > 0 then wait = math.max(0, tonumber(next[2]) - tonumber(now)) end
  return {'slot', window, fmt(wait)}
end
local available = math.max(0, b.sub + b.od - b.res)
if cost > available then return {'credits', window, int(available)} end
local id = ARGV[15]
local pk = k('p', id)
if redis.call('EXISTS', pk) == 1 then return {'dup', window} end
b.res = b.res + cost
b.open = b.open + 1
save(key, b)
redis.call('HSET', pk, unpack(ARGV, 20))
redis.call('PEXPIRE', pk, ARGV[19])
redis.call('ZADD', k('k', key, 'ids'), ARGV[16], id)
redis.call('ZADD', k('k', key, 'pending'), ARGV[17], id)
redis.call('ZADD', k('expiry'), ARGV[18], id)
redis.call('ZADD', k('all'), ARGV[16], id)
if tonumber(ARGV[17]) <= tonumber(now) then settle(key, now, start) end
return {'ok', window}
