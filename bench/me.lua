-- bench/me.lua -- wrk script for GET /api/v1/me with token authentication.
-- The token comes from the environment (bench/run.sh sets ZONEOPS_TOKEN):
--   ZONEOPS_TOKEN=... wrk -s bench/me.lua http://127.0.0.1:PORT/api/v1/me
local token = os.getenv("ZONEOPS_TOKEN")
if token == nil or token == "" then
  io.stderr:write("me.lua: set ZONEOPS_TOKEN to an API token\n")
  os.exit(2)
end
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
