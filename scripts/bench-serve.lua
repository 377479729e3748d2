-- wrk script: POST a distinct small TLS report per request (unique report-id), as JSON.
-- Used by scripts/bench-serve.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local rid = string.format("bench-%d-%d", id, counter)
  local body = '{"organization-name":"Bench Org","date-range":{"start-datetime":"2026-11-22T00:00:00Z",' ..
    '"end-datetime":"2026-11-22T23:59:59Z"},"contact-info":"tlsrpt@bench.example","report-id":"' .. rid .. '",' ..
    '"policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx.example.com"],' ..
    '"policy-domain":"example.com","mx-host":["mx.example.com"]},"summary":{"total-successful-session-count":100,' ..
    '"total-failure-session-count":1},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1",' ..
    '"receiving-mx-hostname":"mx.example.com","failed-session-count":1}]}]}'
  return wrk.format("POST", "/v1/tlsrpt", {["Content-Type"] = "application/tlsrpt+json"}, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("requests: %d, non-2xx: %d, socket errors: %d\n", summary.requests, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
