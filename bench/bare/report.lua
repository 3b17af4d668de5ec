-- wrk script: optional method/body/headers from the environment, and a JSON summary line at the end.
local method = os.getenv("BENCH_METHOD")
if method then wrk.method = method end
local body = os.getenv("BENCH_BODY")
if body then wrk.body = body end
local auth = os.getenv("BENCH_AUTH")
if auth then wrk.headers["Authorization"] = auth end
if body then wrk.headers["Content-Type"] = "application/json" end

function done(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, failed, errors.status))
end
