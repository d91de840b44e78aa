-- wrk script: GET /v1/provenance/{hash} for random hashes from HASHES_FILE (one per line). The
-- requests are formatted once, up front, so that the load generator takes less of the machine.
local reqs = {}
for line in io.lines(os.getenv("HASHES_FILE")) do
  reqs[#reqs + 1] = wrk.format("GET", "/v1/provenance/" .. line)
end
math.randomseed(os.time())
request = function()
  return reqs[math.random(#reqs)]
end
