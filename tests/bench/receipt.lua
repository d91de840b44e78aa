-- wrk script: GET /v1/items/{id}/receipt for random ids in 1..ITEMS.
local n = tonumber(os.getenv("ITEMS"))
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v1/items/" .. math.random(n) .. "/receipt")
end
