-- Whole flow, one connection per thread: issue (JSON), fetch the image, POST the answer
-- to the protected view. The bench site's X-Bench-Answer header carries the answer.

dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]])
local timespec = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

flow_ms, flows_ok, flows_failed = {}, 0, 0
local step, started, cookie, key, answer, image_path = "issue", 0, nil, nil, nil, nil

local function headers(extra)
  local result = extra or {}
  if cookie then
    result["Cookie"] = cookie
  end
  return result
end

function request()
  if step == "issue" then
    started = now_ms()
    return wrk.format("GET", "/captcha/new/", headers({ ["X-Bench-Solve"] = "1" }))
  elseif step == "image" then
    return wrk.format("GET", image_path, headers())
  end
  local body = "captcha_key=" .. key .. "&captcha_answer=" .. answer
  return wrk.format("POST", "/protected/", headers({ ["Content-Type"] = "application/x-www-form-urlencoded" }), body)
end

function response(status, response_headers, body)
  local set_cookie = response_headers["Set-Cookie"]
  if set_cookie and set_cookie:match("^sessionid=") then
    cookie = set_cookie:match("^(sessionid=[^;]*)")
  end
  if status ~= 200 then
    flows_failed = flows_failed + 1
    step = "issue"
  elseif step == "issue" then
    key = body:match('"key"%s*:%s*"([^"]+)"')
    image_path = body:match('"image_url"%s*:%s*"([^"]+)"')
    answer = response_headers["X-Bench-Answer"]
    step = "image"
  elseif step == "image" then
    step = "verify"
  else
    table.insert(flow_ms, now_ms() - started)
    flows_ok = flows_ok + 1
    step = "issue"
  end
end
