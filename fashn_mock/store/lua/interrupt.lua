-- End an unfinished prediction now as ARGV[5] (canceled, time_out): its slot freed,
-- its reservation released, its retention counted from now. ARGV: 3 now, 4 id,
-- 5 outcome, 6 starting credits, 7 retention ttl ms.
local settings = stale()
if settings then return {'stale', settings} end
local now, id = ARGV[3], ARGV[4]
local nowf = tonumber(now)
local pk = k('p', id)
local f = redis.call('HMGET', pk, 'key', 'queued', 'processing', 'finished', 'settled',
                     'cost')
if not f[1] then return {'none'} end
if nowf >= tonumber(f[4]) then return {'same', redis.call('HGETALL', pk)} end
local queued, processing = f[2], f[3]
if tonumber(queued) > nowf then queued = now end
if tonumber(processing) > nowf then processing = now end
redis.call('HSET', pk, 'queued', queued, 'processing', processing, 'finished', now,
           'outcome', ARGV[5], 'error', '')
if f[5] == '0' then
  local b = account(f[1], tonumber(ARGV[6]))
  redis.call('HSET', pk, 'settled', '1')
  b.open = b.open - 1
  b.res = math.max(0, b.res - tonumber(f[6]))
  save(f[1], b)
end
redis.call('ZREM', k('k', f[1], 'pending'), id)
redis.call('ZADD', k('expiry'), fmt(nowf + RETENTION), id)
redis.call('PEXPIRE', pk, ARGV[7])
return {'changed', redis.call('HGETALL', pk)}
