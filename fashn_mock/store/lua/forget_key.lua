-- Forget one key: its predictions, books, rate windows and fault rules.
-- ARGV: 3 key, 4.. the rate rules' names.
local key = ARGV[3]
for _, id in ipairs(redis.call('ZRANGE', k('k', key, 'ids'), 0, -1)) do
  redis.call('ZREM', k('all'), id)
  redis.call('ZREM', k('expiry'), id)
  redis.call('DEL', k('p', id))
end
redis.call('DEL', k('k', key, 'ids'), k('k', key, 'pending'), k('k', key, 'acct'))
for i = 4, #ARGV do redis.call('DEL', k('w', ARGV[i], key)) end
redis.call('SREM', k('keys'), key)
local list = k('faults')
for _, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  if cjson.decode(text).key == key then redis.call('LREM', list, 0, text) end
end
return 'ok'
