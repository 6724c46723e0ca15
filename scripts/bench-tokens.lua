-- wrk script of scripts/bench-http's many-token workload: every request
-- presents a token drawn from a file of distinct tokens (one per line),
--   uniform: each equally likely;
--   zipf:    the token of rank k with probability proportional to 1/k^s
--            (s = 1.1 by default), as real traffic, where a few clients
--            call far more often than the rest.
--   wrk -t2 -c64 -d10s -s scripts/bench-tokens.lua URL -- tokens.txt uniform|zipf [s]

-- The requests are formatted once, in init: formatting one per request
-- costs the load generator more than the server spends answering it.
local reqs, cdf = {}, nil
local dist = "uniform"

function init(args)
  for line in io.lines(args[1]) do
    reqs[#reqs + 1] = wrk.format(nil, nil, {Authorization = "Bearer " .. line})
  end
  dist = args[2] or "uniform"
  if dist == "zipf" then
    local s, sum = tonumber(args[3] or "1.1"), 0
    cdf = {}
    for k = 1, #reqs do
      sum = sum + 1 / k ^ s
      cdf[k] = sum
    end
    for k = 1, #reqs do cdf[k] = cdf[k] / sum end
  end
  -- each thread its own random sequence
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local function zipf()
  local u, lo, hi = math.random(), 1, #cdf
  while lo < hi do -- first rank whose cumulative probability reaches u
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

function request()
  return reqs[(dist == "zipf") and zipf() or math.random(#reqs)]
end
