-- Change the shared settings (the clock, the chaos rates, network faults), bump their
-- version and tell every process (the control channel). ARGV: 3 op, 4 this process's
-- wall clock, 5.. the op's values. Returns {the op's result, the settings}.
local s = k('settings')
local op = ARGV[3]
local wall = tonumber(ARGV[4])
local f = redis.call('HMGET', s, 'frozen', 'offset')
local frozen, offset = f[1], tonumber(f[2])
local result = ''
if op == 'advance' then
  if frozen ~= '' then
    frozen = fmt(tonumber(frozen) + tonumber(ARGV[5]))
    result = frozen
  else
    offset = offset + tonumber(ARGV[5])
    result = fmt(wall + offset)
  end
  redis.call('HSET', s, 'frozen', frozen, 'offset', fmt(offset))
elseif op == 'freeze' then
  if frozen == '' then frozen = fmt(wall + offset) end
  result = frozen
  redis.call('HSET', s, 'frozen', frozen)
elseif op == 'unfreeze' then
  if frozen ~= '' then
    result = frozen
    redis.call('HSET', s, 'frozen', '', 'offset', fmt(tonumber(frozen) - wall))
  else
    result = fmt(wall + offset)
  end
elseif op == 'chaos' then
  if ARGV[5] ~= '' then redis.call('HSET', s, 'failure_rate', ARGV[5]) end
  if ARGV[6] ~= '' then redis.call('HSET', s, 'jitter', ARGV[6]) end
elseif op == 'network' then
  redis.call('HSET', s, 'network', ARGV[5])
elseif op == 'touch' then
  -- network rules changed: only the version moves
else
  return redis.error_reply('unknown settings op ' .. op)
end
local version = redis.call('HINCRBY', s, 'version', 1)
redis.call('PUBLISH', k('control'), 'settings ' .. version)
return {result, redis.call('HGETALL', s)}
