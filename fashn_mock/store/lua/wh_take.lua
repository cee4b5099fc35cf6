-- Take one use of the first webhook rule for ARGV[3] (a key): its JSON, or false.
local list = k('wh', 'rules')
for i, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local rule = cjson.decode(text)
  if rule.times > 0 and (rule.key == cjson.null or rule.key == ARGV[3]) then
    rule.times = rule.times - 1
    if rule.times == 0 then
      redis.call('LSET', list, i - 1, '\0gone')
      redis.call('LREM', list, 1, '\0gone')
    else
      redis.call('LSET', list, i - 1, cjson.encode(rule))
    end
    return text
  end
end
return false
