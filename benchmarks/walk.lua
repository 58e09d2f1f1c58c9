-- wrk script: walk a list of request paths (one per line) with every connection of every thread.
--
-- wrk <opts> -s benchmarks/walk.lua http://host:port -- <paths file> <mode> <threads> <accept-encoding>
--
-- Thread i (1-based) takes paths i, i + threads, i + 2·threads, … in order, so together the
-- threads send every path once before any path is sent twice. Modes:
--   loop      after the last path start again (counted in `wrapped`);
--   distinct  the same, but a wrap means a path was sent twice: the caller flags it;
--   once      each path exactly once; after its last path a thread sends `/__end__` (a 404 on
--             every server, not counted as a tile; then one a second per connection), prints
--             "THREAD_DONE <id>" when all its tiles have come back; the caller times the run and
--             stops wrk with SIGINT.
-- In `once` and `distinct` modes non-200 answers to tile requests are counted in `bad` (404s
-- mark the end in `once` mode); `loop` mode defines no response() at all, so wrk does not copy
-- bodies into Lua (its own count of statuses ≥ 400 applies). done() prints "WRK_RESULT {json}".
--
-- wrk 4.1 calls request() once on thread 1 before the run to check the script ("verify"): that
-- first call does not advance the walk.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, step = args[1], tonumber(args[3])
  mode = args[2]
  wrk.headers["Accept-Encoding"] = args[4]
  wrk.headers["Connection"] = "keep-alive"
  mine = {}
  local n = 0
  for line in io.lines(file) do
    n = n + 1
    if (n - id) % step == 0 and n >= id then
      mine[#mine + 1] = wrk.format("GET", line)
    end
  end
  ending = wrk.format("GET", "/__end__")
  pos, wrapped, extra, real, bad = 0, 0, 0, 0, 0
  verified = (id ~= 1)
  finished = false
  npaths = #mine
  if mode == "once" then
    -- a connection with nothing left to send idles (one cheap `/__end__` a second) instead of
    -- spinning on end markers and taking CPU from the tiles still in flight
    delay = function()
      if pos >= #mine then
        return 1000
      end
      return 0
    end
  end
  if mode == "once" or mode == "distinct" then
    response = function(status, headers, body)
      if mode == "once" and status == 404 then
        return
      end
      real = real + 1
      if status ~= 200 then
        bad = bad + 1
      end
      if mode == "once" and real >= #mine and not finished then
        finished = true
        io.stdout:write("THREAD_DONE " .. id .. "\n")
        io.stdout:flush()
      end
    end
  end
end

function request()
  if not verified then
    verified = true
    return mine[1] or ending
  end
  if pos < #mine then
    pos = pos + 1
    return mine[pos]
  end
  if mode == "once" or #mine == 0 then
    extra = extra + 1
    return ending
  end
  wrapped = wrapped + 1
  pos = 1
  return mine[1]
end

local function number(v)
  if v == nil then return "null" end
  return string.format("%.6g", v)
end

function done(summary, latency, requests)
  local per = {}
  for _, t in ipairs(threads) do
    per[#per + 1] = string.format('{"id":%d,"paths":%d,"sent":%d,"wrapped":%d,"extra":%d,"real":%d,"bad":%d}',
      t:get("id"), t:get("npaths") or 0, t:get("pos") or 0, t:get("wrapped") or 0, t:get("extra") or 0,
      t:get("real") or 0, t:get("bad") or 0)
  end
  local e = summary.errors
  io.stdout:write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%s,"mean":%s,"max":%s,"p50":%s,"p90":%s,"p95":%s,"p99":%s},"threads":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    number(latency.min), number(latency.mean), number(latency.max), number(latency:percentile(50)),
    number(latency:percentile(90)), number(latency:percentile(95)), number(latency:percentile(99)),
    table.concat(per, ",")))
  io.stdout:flush()
end
