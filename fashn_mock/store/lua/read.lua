-- One prediction's fields, if `key` may see it. ARGV: 3 now, 4 id, 5 key ('' = any
-- key: the control plane), 6 the public example's owner, 7 starting credits.
-- A prediction past retention is forgotten here and then (once).
local settings = stale()
if settings then return {'stale', settings} end
local now, id = ARGV[3], ARGV[4]
local pk = k('p', id)
local meta = redis.call('HMGET', pk, 'key', 'finished')
if not meta[1] then return {'none'} end
if ARGV[5] ~= '' and meta[1] ~= ARGV[5] and meta[1] ~= ARGV[6] then return {'none'} end
if meta[1] ~= ARGV[6] and tonumber(meta[2]) + RETENTION <= tonumber(now) then
  if redis.call('ZREM', k('expiry'), id) == 1 then drop(id, now, tonumber(ARGV[7])) end
  return {'none'}
end
return {'ok', redis.call('HGETALL', pk)}
