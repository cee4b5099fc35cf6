-- A test inbox (engine.inbox) in the shared store. ARGV: 3 op, 4 name, then:
-- 'open' (5 at most this many inboxes): false when there are too many;
-- 'receive' (5 capacity, 6 byte budget, 7 the delivery as JSON with "answered" and
-- "seq" left to fill in, 8 its size): the status code to answer with.
local op, name = ARGV[3], ARGV[4]
local names = k('inboxes')
if op == 'open' then
  if redis.call('SISMEMBER', names, name) == 1 then return 1 end
  if redis.call('SCARD', names) >= tonumber(ARGV[5]) then return false end
  redis.call('SADD', names, name)
  return 1
end
local items, fail = k('inbox', name, 'items'), k('inbox', name, 'fail')
local answer = tonumber(redis.call('LPOP', fail) or '200')
local seq = redis.call('INCR', k('inbox', name, 'seq'))
local size = tonumber(ARGV[8])
local text = string.gsub(ARGV[7], '"answered": 0, "seq": 0', '"answered": ' .. answer ..
                         ', "seq": ' .. seq, 1)
redis.call('RPUSH', items, text)
redis.call('RPUSH', k('inbox', name, 'sizes'), size)
local total = redis.call('INCRBY', k('inbox', name, 'bytes'), size)
local count = redis.call('LLEN', items)
while count > 1 and (count > tonumber(ARGV[5]) or total > tonumber(ARGV[6])) do
  redis.call('LPOP', items)
  total = redis.call('DECRBY', k('inbox', name, 'bytes'),
                     tonumber(redis.call('LPOP', k('inbox', name, 'sizes'))))
  count = count - 1
end
redis.call('PUBLISH', k('control'), 'inbox ' .. name)
return answer
