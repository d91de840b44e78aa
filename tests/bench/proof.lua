-- wrk script: GET <PREFIX>/proof for random members from HASHES_FILE, where PREFIX is
-- /v1/datasets/{DATASET} (a membership proof) or /v1/models/{MODEL} (the content → dataset →
-- model chain) when MODEL is set.
local hashes = {}
for line in io.lines(os.getenv("HASHES_FILE")) do hashes[#hashes + 1] = line end
local model = os.getenv("MODEL")
local prefix = model and ("/v1/models/" .. model) or ("/v1/datasets/" .. os.getenv("DATASET"))
local path = prefix .. "/proof?content_hash="
math.randomseed(os.time())
request = function()
  return wrk.format("GET", path .. hashes[math.random(#hashes)])
end
