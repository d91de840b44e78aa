-- wrk script: POST to POST_PATH (default /v1/items) distinct pre-signed bodies from BODIES_FILE,
-- split between wrk threads so that no body is sent twice (a repeat would be an idempotent 200).
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  bodies = {}
  local n = 0
  local nthreads = tonumber(os.getenv("WRK_THREADS"))
  for line in io.lines(os.getenv("BODIES_FILE")) do
    if n % nthreads == id then bodies[#bodies + 1] = line end
    n = n + 1
  end
  next_body = 1
  path = os.getenv("POST_PATH") or "/v1/items"
  headers = { ["Content-Type"] = "application/json",
              ["Authorization"] = "Bearer " .. os.getenv("PROVD_TOKEN") }
end

request = function()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path, headers, body)
end
