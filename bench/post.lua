-- wrk script: POST /v1/people with a new person each time (unique emails per run), for the
-- write benchmark in bench/run.sh. The token comes from the TOKEN environment variable.
local counter = 0
local run = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
}

request = function()
  counter = counter + 1
  local body = string.format(
    '{"emails":["writer-%s-%d@bench.test"],"displayName":"Writer %s %d","firstName":"Writer","lastName":"%d"}',
    run, counter, run, counter, counter)
  return wrk.format("POST", "/v1/people", headers, body)
end
