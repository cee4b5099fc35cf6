-- A key's books, settled at "now". ARGV: 3 now, 4 key, 5 starting credits, 6 op:
-- 'read' (balance and slots), 'set' (7 total, 8 subscription, 9 on demand: '' keeps
-- it), 'state' (also tracked predictions and each window's use: 7 now ms, then
-- rule, interval ms pairs).
local settings = stale()
if settings then return {'stale', settings} end
local now, key, start, op = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local b = settle(key, now, start) or account(key, start)
if op == 'set' then
  if ARGV[7] ~= '' then b.sub, b.od = 0, tonumber(ARGV[7]) end
  if ARGV[8] ~= '' then b.sub = tonumber(ARGV[8]) end
  if ARGV[9] ~= '' then b.od = tonumber(ARGV[9]) end
  save(key, b)
end
local reply = {'ok', balance_reply(b)}
if op == 'state' then
  reply[3] = redis.call('ZCARD', k('k', key, 'ids'))
  local usage = {}
  local now_ms = tonumber(ARGV[7])
  for i = 8, #ARGV, 2 do
    local w = k('w', ARGV[i], key)
    local from = int(now_ms - tonumber(ARGV[i + 1]))
    local used = redis.call('ZRANGEBYSCORE', w, from, '+inf', 'WITHSCORES')
    local oldest = ''
    if #used > 0 then oldest = used[2] end
    table.insert(usage, {ARGV[i], #used / 2, oldest})
  end
  reply[4] = usage
end
return reply
