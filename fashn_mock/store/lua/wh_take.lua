-- Take one use of the first webhook rule for ARGV[3] (a key): its JSON, or false.
local list = k('wh', 'rules')
for i, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local rule = cjson.decode(text)
  if rule.times > 0 and (rule.key == cjson.null or rule.key == ARGV[3]) then
    use_up(list, i, rule)
    return text
  end
end
return false
