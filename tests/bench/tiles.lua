-- wrk script: GET /log/<path> for random tlog-tiles paths from TILES_FILE (one a line, relative
-- to the tiles prefix: tile/0/x001/234, tile/entries/005, ...), the same requests whether wrk
-- talks to provd or to nginx serving the --tiles-dir directory. Formatted once, up front.
local reqs = {}
for line in io.lines(os.getenv("TILES_FILE")) do reqs[#reqs + 1] = wrk.format("GET", "/log/" .. line) end
math.randomseed(os.time())
request = function()
  return reqs[math.random(#reqs)]
end
