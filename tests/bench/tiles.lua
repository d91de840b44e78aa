-- wrk script: GET /log/<path> for random tlog-tiles paths from TILES_FILE (one a line, relative
-- to the tiles prefix: tile/0/x001/234, tile/entries/005, ...), the same requests whether wrk
-- talks to provd or to nginx serving the --tiles-dir directory.
local paths = {}
for line in io.lines(os.getenv("TILES_FILE")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/log/" .. paths[math.random(#paths)])
end
