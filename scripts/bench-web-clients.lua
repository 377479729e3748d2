-- wrk script: dashboard users. Each connection loads a page, waits WEB_DELAY_MS (default
-- 1000 ms), loads the next: `/`, a domain's page, the report list and the summary API in turn.
-- Used by scripts/bench-web.
local pages = {"/", "/domain/example.com", "/reports", "/api/summary"}
local n = 0
local pause = tonumber(os.getenv("WEB_DELAY_MS") or "1000")

function request()
  n = n + 1
  return wrk.format("GET", pages[(n % #pages) + 1])
end

function delay()
  return pause
end

function done(summary, latency, requests)
  io.write(string.format("web clients: %d requests, non-2xx: %d, mean %.1f ms, p99 %.1f ms\n", summary.requests,
    summary.errors.status, latency.mean / 1000, latency:percentile(99) / 1000))
end
