-- Image phase: cycle through images issued before the phase started.
-- BENCH_KEYS names a file of "path<TAB>cookie" lines (cookie may be empty).

dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local images = {}
local next_image = 1

function init(args)
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    table.insert(images, { path = path, cookie = cookie })
  end
  -- Threads start at different images so they do not fetch in lockstep.
  next_image = (thread_index * 97) % #images + 1
end

function request()
  local image = images[next_image]
  next_image = next_image % #images + 1
  local headers = {}
  if image.cookie ~= "" then
    headers["Cookie"] = image.cookie
  end
  return wrk.format("GET", image.path, headers)
end
