-- A bounded list of rules (JSON): ARGV 3 list name, 4 op ('add': 5 rule, 6 at most;
-- 'forget': 5 key, '' = every rule; a rule keyed to null stays unless every rule
-- goes). 'add' answers the new length, or false when the list is full.
local list = k(ARGV[3])
if ARGV[4] == 'add' then
  if redis.call('LLEN', list) >= tonumber(ARGV[6]) then return false end
  return redis.call('RPUSH', list, ARGV[5])
end
if ARGV[5] == '' then redis.call('DEL', list) return 0 end
for _, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  if cjson.decode(text).key == ARGV[5] then redis.call('LREM', list, 0, text) end
end
return redis.call('LLEN', list)
