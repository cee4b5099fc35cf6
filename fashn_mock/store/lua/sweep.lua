-- Forget every prediction past retention at ARGV[3] (now); ARGV[4] starting credits.
local settings = stale()
if settings then return {'stale', settings} end
evict(ARGV[3], tonumber(ARGV[4]), 100000)
return {'ok'}
