-- Count one request in a rate window. ARGV: 3 key, 4 rule, 5 limit, 6 interval ms,
-- 7 now ms.
local settings = stale()
if settings then return {'stale', settings} end
return {'ok', hit(ARGV[3], ARGV[4], tonumber(ARGV[7]), tonumber(ARGV[5]), tonumber(ARGV[6]))}
