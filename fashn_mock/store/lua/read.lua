-- One prediction's fields, if `key` may see it, after counting the request in a rate
-- window when one is given. ARGV: 3 now, 4 id, 5 key ('' = any key: the control
-- plane), 6 the public example's owner, 7 starting credits; then, to count: 8 rule,
-- 9 limit, 10 interval ms, 11 now ms.
-- Replies {'ok', window, fields}, {'none', window} or {'limited', window} (window: {}
-- when nothing was counted). A prediction past retention is forgotten here (once).
local settings = stale()
if settings then return {'stale', settings} end
local window = {}
if ARGV[8] and ARGV[8] ~= '' then
  window = hit(ARGV[5], ARGV[8], tonumber(ARGV[11]), tonumber(ARGV[9]), tonumber(ARGV[10]))
  if window[1] == 0 then return {'limited', window} end
end
local now, id = ARGV[3], ARGV[4]
local pk = k('p', id)
local meta = redis.call('HMGET', pk, 'key', 'finished')
if not meta[1] then return {'none', window} end
if ARGV[5] ~= '' and meta[1] ~= ARGV[5] and meta[1] ~= ARGV[6] then return {'none', window} end
if meta[1] ~= ARGV[6] and tonumber(meta[2]) + RETENTION <= tonumber(now) then
  if redis.call('ZREM', k('expiry'), id) == 1 then drop(id, now, tonumber(ARGV[7])) end
  return {'none', window}
end
return {'ok', window, redis.call('HGETALL', pk)}
