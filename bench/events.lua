-- POST /poet/events with EVENTS_PER_REQUEST envelopes per request (default 100), each with its own
-- id (as the runtime gives them), so the server takes the idempotent path.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-ndjson"
wrk.headers["Authorization"] = "Bearer t"
counter = 0
local batch = tonumber(os.getenv("EVENTS_PER_REQUEST") or "100")
local run = os.getenv("EVENTS_RUN") or "r"  -- differs between wrk runs, so no id repeats another run's
function request()
  local lines = {}
  for i = 1, batch do
    counter = counter + 1
    lines[i] = string.format('{"id":"bench-%s-%d-%d","type":"drift.validation","execution_id":"e-%d-%d",'
      .. '"data":{"was_real_drift":false,"reason":"seasonal"}}', run, tid, counter, tid, counter)
  end
  return wrk.format(nil, "/poet/events", nil, table.concat(lines, "\n"))
end
