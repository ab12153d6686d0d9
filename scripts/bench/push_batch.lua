-- wrk script: POST /v1/push/batch with BATCH pushes, each to a random one of
-- USERS users (durable unless TTL=0). pushes/s = requests/s * BATCH.
local users = tonumber(os.getenv("USERS") or "10000")
local ttl = os.getenv("TTL") or "3600"
local batch = tonumber(os.getenv("BATCH") or "100")
local auth = os.getenv("AUTH") or "ZGVtbzpkZW1vLXNlY3JldA=="  -- demo:demo-secret
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. auth
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time())
request = function()
  local parts = {}
  for i = 1, batch do
    local u = math.random(1, users)
    parts[i] = '{"to":{"users":["u' .. u .. '"]},"data":{"n":' .. u .. ',"text":"hello from the benchmark"},"ttl":' .. ttl .. '}'
  end
  return wrk.format(nil, "/v1/push/batch", nil, '{"pushes":[' .. table.concat(parts, ",") .. ']}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f pushes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), batch * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
