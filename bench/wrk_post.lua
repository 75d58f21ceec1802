-- wrk script: POST the body in $BENCH_BODY_FILE with the page's headers, and print the
-- summary as one JSON line (prefixed BENCH_JSON) for bench/loadgen.py to read.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json-rpc"
wrk.headers["Accept"] = "application/json-rpc"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN") or "http://localhost:8000"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%f,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end
