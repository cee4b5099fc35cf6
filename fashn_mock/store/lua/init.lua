-- Start a store (once: a store that has settings keeps them) or start it over after
-- a full reset (ARGV[3] = 'reset': a new epoch; the clock is kept). ARGV: 4 frozen
-- instant ('' = running), 5 failure rate, 6 jitter, 7 network chaos (JSON),
-- 8 the public example's id, 9.. its fields.
local s = k('settings')
local exists = redis.call('EXISTS', s) == 1
if exists and ARGV[3] ~= 'reset' then return redis.call('HGETALL', s) end
if not exists then
  redis.call('HSET', s, 'version', '0', 'epoch', '0', 'frozen', ARGV[4], 'offset', '0')
end
redis.call('HSET', s, 'failure_rate', ARGV[5], 'jitter', ARGV[6], 'network', ARGV[7])
redis.call('HINCRBY', s, 'epoch', 1)
redis.call('HSET', k('p', ARGV[8]), unpack(ARGV, 9))
local version = redis.call('HINCRBY', s, 'version', 1)
redis.call('PUBLISH', k('control'), 'settings ' .. version)
return redis.call('HGETALL', s)
