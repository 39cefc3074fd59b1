-- bench/search.lua -- wrk script for the enterprise name search,
-- GET /api/v1/enterprises?q=Q&limit=20, with token authentication.
--
--   ZONEOPS_TOKEN=... ZONEOPS_QUERIES='南通' \
--     wrk -t1 -c1 -d5s --latency -s bench/search.lua http://127.0.0.1:PORT
--
-- ZONEOPS_QUERIES holds one query or several separated by "|"; with
-- several, each request takes the next one in turn (a mix).  The queries
-- are UTF-8 and are percent-encoded here.  ZONEOPS_EXTRA is appended to
-- every path as it is (e.g. "&sort=name" or "&street_id=1"); ZONEOPS_LIMIT
-- sets limit (default 20).  bench/service.sh runs it.
local token = os.getenv("ZONEOPS_TOKEN")
local list = os.getenv("ZONEOPS_QUERIES")
local extra = os.getenv("ZONEOPS_EXTRA") or ""
local limit = os.getenv("ZONEOPS_LIMIT") or "20"
if token == nil or token == "" or list == nil or list == "" then
  io.stderr:write("search.lua: set ZONEOPS_TOKEN (an API token) and ZONEOPS_QUERIES (queries separated by |)\n")
  os.exit(2)
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for q in string.gmatch(list, "[^|]+") do
  paths[#paths + 1] = "/api/v1/enterprises?q=" .. encode(q) .. "&limit=" .. limit .. extra
end

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"

if #paths == 1 then
  -- one query: wrk sends the same prepared request every time
  wrk.path = paths[1]
else
  local i = 0
  request = function()
    i = i % #paths + 1
    return wrk.format(nil, paths[i])
  end
end
