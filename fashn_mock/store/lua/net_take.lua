-- Take one use of the first network rule matching a request. ARGV: 3 method, 4 path,
-- 5 dialect, 6 key ('' = none), 7 model ('' = none). The rule's fault, or false.
local list = k('net', 'rules')
local key, model = ARGV[6], ARGV[7]
local function is(value, wanted) return value == cjson.null or value == wanted end
for i, text in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local r = cjson.decode(text)
  if r.times > 0 and (r.path == cjson.null or string.sub(ARGV[4], 1, #r.path) == r.path)
      and is(r.method, ARGV[3]) and is(r.dialect, ARGV[5])
      and (r.key == cjson.null or (key ~= '' and r.key == key))
      and (r.model == cjson.null or (model ~= '' and r.model == model)) then
    use_up(list, i, r)
    return r.fault
  end
end
return false
