-- Shared by every phase: print wrk's figures as one JSON line the Python runner parses.
-- Scripts that track whole flows set the per-thread globals flow_ms, flows_ok, flows_failed.

threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

function done(summary, latency, requests)
  local flow_ms, ok, failed = {}, 0, 0
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("flow_ms") or {}) do
      table.insert(flow_ms, string.format("%.3f", ms))
    end
    ok = ok + (thread:get("flows_ok") or 0)
    failed = failed + (thread:get("flows_failed") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non_2xx": %d, '
      .. '"socket_errors": %d, "flows_ok": %d, "flows_failed": %d, "flow_ms": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, ok, failed, table.concat(flow_ms, ",")
  ))
end
