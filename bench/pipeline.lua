-- wrk script: each connection sends its requests 16 at a time in one write (HTTP/1.1
-- pipelining), as TechEmpower's plaintext test does; wrk counts every response.
-- `wrk -s bench/pipeline.lua URL`; the depth can be given after `--`: `-- 8`.
local depth = 16

init = function(args)
    depth = tonumber(args[1]) or depth
    local one = wrk.format(nil, wrk.path)
    batch = string.rep(one, depth)
end

request = function()
    return batch
end
