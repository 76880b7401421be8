wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer t"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/poet/feedback", nil, '{"execution_id":"e-' .. counter .. '","was_real_drift":false,"reason":"seasonal"}')
end
