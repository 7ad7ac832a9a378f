-- wrk script for `cargo xtask bench`: PUT a submission of the open quarter with the API token
-- of one of 64 organisations in turn (PP_TOKENS: a file of tokens, PP_PERIOD: the quarter).
local tokens = {}
for line in io.lines(os.getenv("PP_TOKENS")) do
  tokens[#tokens + 1] = line
end
local path = "/api/v1/submissions/" .. os.getenv("PP_PERIOD")
local body = '{"values":{"mfa_coverage":90,"phish_prone":12.5,"critical_patch_days":14}}'
local n = math.random(#tokens)

request = function()
  n = n % #tokens + 1
  return wrk.format("PUT", path, {
    ["Authorization"] = "Bearer " .. tokens[n],
    ["Content-Type"] = "application/json",
  }, body)
end
