-- Helpers prepended to every script of the shared store (fashn_mock/store/redis.py).
-- ARGV[1] is the key prefix, ARGV[2] the settings version the caller computed "now"
-- from. Numbers go back to Redis as strings formatted here: Lua would print them with
-- 14 significant digits, and scores and timestamps need 17.
local P = ARGV[1]
local function k(...) return P .. ':' .. table.concat({...}, ':') end
local function fmt(x) return string.format('%.17g', x) end
local function int(x) return string.format('%.0f', x) end
local RETENTION = 72 * 3600

-- nil when the caller's settings (clock, chaos) are current, else the settings hash
local function stale()
  if redis.call('HGET', k('settings'), 'version') == ARGV[2] then return nil end
  return redis.call('HGETALL', k('settings'))
end

-- one key's balance and open slots (a key never seen starts with `start` credits)
local function account(key, start)
  local a = redis.call('HMGET', k('k', key, 'acct'), 'sub', 'od', 'res', 'chg', 'wv', 'usd',
                       'open')
  local function n(v, default) if v then return tonumber(v) end return default end
  return {sub = n(a[1], 0), od = n(a[2], start), res = n(a[3], 0), chg = n(a[4], 0),
          wv = n(a[5], 0), usd = n(a[6], 0), open = n(a[7], 0)}
end

local function save(key, b)
  redis.call('HSET', k('k', key, 'acct'), 'sub', int(b.sub), 'od', int(b.od), 'res',
             int(b.res), 'chg', int(b.chg), 'wv', int(b.wv), 'usd', int(b.usd), 'open',
             int(b.open))
  redis.call('SADD', k('keys'), key)
end

local function balance_reply(b)
  return {int(b.sub), int(b.od), int(b.res), int(b.chg), int(b.wv), int(b.usd), int(b.open)}
end

-- charge completed, release other finished predictions of `key` due by `now`, once:
-- ZREM is the gate, and a prediction's `settled` flag is set in the same step
local function settle(key, now, start)
  local pending = k('k', key, 'pending')
  local due = redis.call('ZRANGEBYSCORE', pending, '-inf', now)
  if #due == 0 then return nil end
  local b = account(key, start)
  for _, id in ipairs(due) do
    if redis.call('ZREM', pending, id) == 1 then
      local pk = k('p', id)
      local f = redis.call('HMGET', pk, 'settled', 'outcome', 'cost', 'usdm')
      if f[1] == '0' then
        redis.call('HSET', pk, 'settled', '1')
        local cost = tonumber(f[3])
        b.open = b.open - 1
        b.res = math.max(0, b.res - cost)
        if f[2] == 'completed' then
          local taken = math.min(cost, b.sub + b.od)
          b.chg = b.chg + taken
          b.wv = b.wv + cost - taken
          b.usd = b.usd + tonumber(f[4])
          local from_sub = math.min(taken, b.sub)
          b.sub = b.sub - from_sub
          b.od = b.od - (taken - from_sub)
        end
      end
    end
  end
  save(key, b)
  return b
end

-- forget one prediction (its key's books settled first)
local function drop(id, now, start)
  local pk = k('p', id)
  local owner = redis.call('HGET', pk, 'key')
  if owner then
    settle(owner, now, start)
    redis.call('ZREM', k('k', owner, 'ids'), id)
    redis.call('ZREM', k('k', owner, 'pending'), id)
  end
  redis.call('ZREM', k('all'), id)
  redis.call('ZREM', k('expiry'), id)
  redis.call('DEL', pk)
end

-- forget up to `limit` predictions past retention (emulator time); ZREM makes each
-- eviction happen once whichever process gets there first
local function evict(now, start, limit)
  local gone = redis.call('ZRANGEBYSCORE', k('expiry'), '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(gone) do
    if redis.call('ZREM', k('expiry'), id) == 1 then drop(id, now, start) end
  end
end

-- count one request in a sliding window (pyrate-limiter's rolling-window arithmetic)
local function hit(key, rule, now_ms, limit, interval)
  local w = k('w', rule, key)
  redis.call('ZREMRANGEBYSCORE', w, '-inf', '(' .. int(now_ms - interval))
  local count = redis.call('ZCARD', w)
  local passed, wait = 1, 0
  if count < limit then
    redis.call('ZADD', w, int(now_ms), redis.call('INCR', k('wseq')))
    redis.call('PEXPIRE', w, int(interval + 3600000))
    count = count + 1
  else
    passed = 0
    local blocking = redis.call('ZRANGE', w, count - limit, count - limit, 'WITHSCORES')
    wait = tonumber(blocking[2]) + interval - now_ms + 1
  end
  local oldest = redis.call('ZRANGE', w, 0, 0, 'WITHSCORES')
  local first = now_ms
  if #oldest > 0 then first = tonumber(oldest[2]) end
  redis.call('SADD', k('keys'), key)
  return {int(passed), int(math.max(0, limit - count)), int(first), int(wait)}
end

-- one use of the rule (decoded) at position i of the rule list `list`: written back with
-- one use less, or removed once used up
local function use_up(list, i, rule)
  rule.times = rule.times - 1
  if rule.times == 0 then
    redis.call('LSET', list, i - 1, '\0gone')
    redis.call('LREM', list, 1, '\0gone')
  else
    redis.call('LSET', list, i - 1, cjson.encode(rule))
  end
end

-- take one use of the first fault rule for (key, model); its JSON, or nil
local function take_fault(key, model)
  local list = k('faults')
  local rules = redis.call('LRANGE', list, 0, -1)
  for i, text in ipairs(rules) do
    local rule = cjson.decode(text)
    if rule.times > 0 and (rule.model == cjson.null or rule.model == model)
        and (rule.key == cjson.null or rule.key == key) then
      use_up(list, i, rule)
      return cjson.encode(rule)
    end
  end
  return nil
end
