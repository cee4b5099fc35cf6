-- Webhook registrations in the shared store (store/redis_webhooks.py). ARGV: 3 op,
-- 4 prediction id, then the op's values. A registration is the hash P:wh:r:<id>
-- (key, url, base, script, attempt, state, due, token); P:wh:active holds the active
-- ones in the order they were registered (scored from P:wh:order), P:wh:done the finished ones kept for redelivery (capped), P:wh:held:<key> the
-- deliveries held back for a reorder. A timer is the member "webhook|<id>|<token>" of
-- P:timers: only the registration's current token fires.
local op, id = ARGV[3], ARGV[4]
local r = k('wh', 'r', id)
local active, done = k('wh', 'active'), k('wh', 'done')

local function fields()
  return redis.call('HGETALL', r)
end

local function unarm()
  local token = redis.call('HGET', r, 'token')
  if token and token ~= '' then
    redis.call('ZREM', k('timers'), 'webhook|' .. id .. '|' .. token)
  end
  redis.call('HSET', r, 'token', '')
end

local function close(state, capacity)
  local key = redis.call('HGET', r, 'key')
  unarm()
  redis.call('HSET', r, 'state', state)
  redis.call('ZREM', active, id)
  redis.call('LREM', k('wh', 'held', key), 0, id)
  redis.call('RPUSH', done, id)
  while redis.call('LLEN', done) > capacity do
    local old = redis.call('LPOP', done)
    if not redis.call('ZSCORE', active, old) then redis.call('DEL', k('wh', 'r', old)) end
  end
end

if op == 'register' then  -- 5 at most active, 6.. fields
  if redis.call('ZCARD', active) >= tonumber(ARGV[5]) then return 0 end
  redis.call('HSET', r, unpack(ARGV, 6))
  if not redis.call('ZSCORE', active, id) then
    redis.call('ZADD', active, redis.call('INCR', k('wh', 'order')), id)
  end
  return 1
elseif op == 'arm' then  -- 5 due, 6 token, 7 states it may be in (',a,b,')
  if not redis.call('ZSCORE', active, id) then return 0 end
  local state = redis.call('HGET', r, 'state')
  if not string.find(ARGV[7], ',' .. state .. ',', 1, true) then return 0 end
  unarm()
  redis.call('HSET', r, 'due', ARGV[5], 'token', ARGV[6])
  redis.call('ZADD', k('timers'), ARGV[5], 'webhook|' .. id .. '|' .. ARGV[6])
  redis.call('PUBLISH', k('control'), 'timers ' .. ARGV[5])
  return 1
elseif op == 'fire' then  -- 5 token, 6 now, 7 capacity
  if not redis.call('ZSCORE', active, id) then return {'gone'} end
  if redis.call('HGET', r, 'token') ~= ARGV[5] then return {'gone'} end
  redis.call('HSET', r, 'token', '')
  local p = redis.call('HMGET', k('p', id), 'finished', 'outcome')
  local capacity = tonumber(ARGV[7])
  if not p[1] then close('gave_up', capacity) return {'missing', fields()} end
  if tonumber(ARGV[6]) < tonumber(p[1]) then return {'later'} end
  if p[2] ~= 'completed' and p[2] ~= 'failed' then
    close('skipped', capacity)
    return {'skipped', fields(), p[2]}
  end
  local f = redis.call('HMGET', r, 'state', 'attempt', 'script', 'key')
  if f[1] == 'held' then
    redis.call('LREM', k('wh', 'held', f[4]), 0, id)
  elseif cjson.decode(f[3]).reorder and f[2] == '1' then
    redis.call('HSET', r, 'state', 'held')
    redis.call('RPUSH', k('wh', 'held', f[4]), id)
    return {'hold', fields()}
  end
  redis.call('HSET', r, 'state', 'sending')
  return {'send', fields()}
elseif op == 'hold_expired' then  -- a held delivery found no room to wait: send it
  local key = redis.call('HGET', r, 'key')
  if redis.call('HGET', r, 'state') ~= 'held' then return 0 end
  redis.call('LREM', k('wh', 'held', key), 0, id)
  redis.call('HSET', r, 'state', 'sending')
  return 1
elseif op == 'record' then  -- 5 kind, 6 attempt, 7 retry at ('' = final), 8 final
  -- state, 9 capacity: {current, released registrations...}
  local current = 0
  local f = redis.call('HMGET', r, 'state', 'attempt', 'key')
  if ARGV[5] == 'delivery' and redis.call('ZSCORE', active, id)
      and f[1] == 'sending' and f[2] == ARGV[6] then
    current = 1
    if ARGV[7] ~= '' then
      redis.call('HSET', r, 'attempt', tonumber(f[2]) + 1, 'state', 'retrying')
    else
      close(ARGV[8], tonumber(ARGV[9]))
    end
  end
  local reply = {current}
  if ARGV[6] == '1' and current == 1 then
    local held = k('wh', 'held', f[3])
    for _, other in ipairs(redis.call('LRANGE', held, 0, -1)) do
      local o = k('wh', 'r', other)
      local token = redis.call('HGET', o, 'token')
      if token and token ~= '' then
        redis.call('ZREM', k('timers'), 'webhook|' .. other .. '|' .. token)
      end
      redis.call('HSET', o, 'state', 'sending', 'token', '')
      table.insert(reply, {other, redis.call('HGETALL', o)})
    end
    redis.call('DEL', held)
  end
  return reply
elseif op == 'close' then  -- 5 state, 6 capacity
  if redis.call('ZSCORE', active, id) then close(ARGV[5], tonumber(ARGV[6])) end
  return 1
elseif op == 'journal' then  -- 5 the attempt (JSON, "seq": 0 first), 6 capacity
  local seq = redis.call('INCR', k('wh', 'seq'))
  local text = string.gsub(ARGV[5], '"seq": 0', '"seq": ' .. seq, 1)
  redis.call('RPUSH', k('wh', 'journal'), text)
  redis.call('LTRIM', k('wh', 'journal'), -tonumber(ARGV[6]), -1)
  return seq
elseif op == 'forget' then  -- 4 key ('' = every key)
  local key = id
  for _, other in ipairs(redis.call('ZRANGE', active, 0, -1)) do
    local o = k('wh', 'r', other)
    local f = redis.call('HMGET', o, 'key', 'token')
    if key == '' or f[1] == key then
      if f[2] and f[2] ~= '' then
        redis.call('ZREM', k('timers'), 'webhook|' .. other .. '|' .. f[2])
      end
      redis.call('ZREM', active, other)
      redis.call('DEL', o, k('wh', 'held', f[1]))
    end
  end
  for _, other in ipairs(redis.call('LRANGE', done, 0, -1)) do
    local o = k('wh', 'r', other)
    if key == '' or redis.call('HGET', o, 'key') == key then
      redis.call('LREM', done, 0, other)
      redis.call('DEL', o)
    end
  end
  local journal = k('wh', 'journal')
  for _, text in ipairs(redis.call('LRANGE', journal, 0, -1)) do
    if key == '' or cjson.decode(text).key == key then redis.call('LREM', journal, 1, text) end
  end
  return 1
end
return redis.error_reply('unknown webhooks op ' .. op)
