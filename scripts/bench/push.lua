-- wrk script: POST /v1/push to a random one of USERS users (durable unless TTL=0).
local users = tonumber(os.getenv("USERS") or "10000")
local ttl = os.getenv("TTL") or "3600"
local auth = os.getenv("AUTH") or "ZGVtbzpkZW1vLXNlY3JldA=="  -- demo:demo-secret
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. auth
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time())
request = function()
  local u = math.random(1, users)
  local body = '{"to":{"users":["u' .. u .. '"]},"data":{"n":' .. u .. ',"text":"hello from the benchmark"},"ttl":' .. ttl .. '}'
  return wrk.format(nil, "/v1/push", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
