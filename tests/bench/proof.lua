-- wrk script: GET /v1/datasets/{DATASET}/proof for random members from HASHES_FILE.
local hashes = {}
for line in io.lines(os.getenv("HASHES_FILE")) do hashes[#hashes + 1] = line end
local path = "/v1/datasets/" .. os.getenv("DATASET") .. "/proof?content_hash="
math.randomseed(os.time())
request = function()
  return wrk.format("GET", path .. hashes[math.random(#hashes)])
end
