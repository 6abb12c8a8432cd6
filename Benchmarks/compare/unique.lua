-- wrk script for Benchmarks/compare.sh: every request asks for a path not asked for before,
-- UNIQUE_PREFIX followed by a zero-padded counter (so every key has the same length).
-- UNIQUE_LIMIT > 0 starts again at 0 after that many paths: a fill of N objects turns into hits
-- once all N are stored. Use one wrk thread (-t1): each thread counts on its own.
-- PACE_MS > 0: each connection waits that long after every response before it sends the next
-- request, so every server is offered the same load (as long as it answers well within the pause).
local prefix = os.getenv("UNIQUE_PREFIX") or "/u/"
local limit = tonumber(os.getenv("UNIQUE_LIMIT") or "0") or 0
local pace = tonumber(os.getenv("PACE_MS") or "0") or 0
local counter = 0

request = function()
   local n = counter
   counter = counter + 1
   if limit > 0 then
      n = n % limit
   end
   return wrk.format(nil, string.format("%s%09d", prefix, n))
end

if pace > 0 then
   delay = function()
      return pace
   end
end
