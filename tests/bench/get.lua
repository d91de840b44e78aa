-- wrk script: GET /v1/provenance/{hash} for random hashes from HASHES_FILE (one per line).
local hashes = {}
for line in io.lines(os.getenv("HASHES_FILE")) do hashes[#hashes + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v1/provenance/" .. hashes[math.random(#hashes)])
end
