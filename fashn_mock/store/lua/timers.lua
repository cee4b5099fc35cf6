-- Claim the timed side effects due by ARGV[3] (now): removed from P:timers here, so
-- exactly one process runs each. Answers {member, due, ...} and then the next due
-- instant ('' = none).
local timers = k('timers')
local due = redis.call('ZRANGEBYSCORE', timers, '-inf', ARGV[3], 'WITHSCORES', 'LIMIT', 0, 200)
local claimed = {}
for i = 1, #due, 2 do
  if redis.call('ZREM', timers, due[i]) == 1 then
    table.insert(claimed, due[i])
    table.insert(claimed, due[i + 1])
  end
end
local next = redis.call('ZRANGE', timers, 0, 0, 'WITHSCORES')
if #next > 0 then table.insert(claimed, next[2]) else table.insert(claimed, '') end
return claimed
