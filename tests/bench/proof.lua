-- wrk script: GET <PREFIX>/proof for random members from HASHES_FILE, where PREFIX is
-- /v1/datasets/{DATASET} (a membership proof) or /v1/models/{MODEL} (the content → dataset →
-- model chain) when MODEL is set. The requests are formatted once, up front.
local model = os.getenv("MODEL")
local prefix = model and ("/v1/models/" .. model) or ("/v1/datasets/" .. os.getenv("DATASET"))
local path = prefix .. "/proof?content_hash="
local reqs = {}
for line in io.lines(os.getenv("HASHES_FILE")) do reqs[#reqs + 1] = wrk.format("GET", path .. line) end
math.randomseed(os.time())
request = function()
  return reqs[math.random(#reqs)]
end
