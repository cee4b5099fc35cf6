-- Drop the journal entries of ARGV[3] (a key; '' = every entry).
local list = k('journal')
if ARGV[3] == '' then redis.call('DEL', list) return 0 end
for _, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  if cjson.decode(text).key == ARGV[3] then redis.call('LREM', list, 1, text) end
end
return redis.call('LLEN', list)
