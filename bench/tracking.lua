-- wrk script for bench/tracking.sh: public tracking look-ups.
--
-- Mode "random": every request asks GET /api/v1/public/tracking/{no} for a
-- number drawn at random from the list `parceldesk generate --list` wrote
-- (the whole list, so look-ups spread over the whole database as the
-- public's do). Mode "static": every request asks the same PATH (nginx's
-- file). Both modes run the same Lua (a request() callback each), so
-- neither server is measured with a cheaper client than the other.
--
-- Arguments (after `--`): random LISTFILE | static PATH.
--
-- There is no response() callback: wrk then neither hands bodies to Lua nor
-- spends the client's CPU on them, and counts answers with a status of 400
-- or more itself (summary.errors.status); tracking.sh checks bodies with curl.
--
-- done() prints one machine-readable line for tracking.sh:
--   pd-result requests=N other=N p50_ms=X p99_ms=X rps=X
--             connect=N read=N write=N timeout=N

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    mode = args[1]
    if mode == "random" then
        -- The numbers are kept in one string of fixed-width records, not a
        -- table of a million strings: the client's garbage collector walks
        -- every live object each cycle, and with a million of them its
        -- pauses (tens of ms) showed up as the server's p99 while the static
        -- mode, which holds no list, had none.
        local parts, width = {}, nil
        for line in io.lines(args[2]) do
            if #line > 0 then
                width = width or #line
                if #line ~= width then
                    error("tracking.lua: waybill numbers of different lengths in " .. tostring(args[2]))
                end
                parts[#parts + 1] = line
            end
        end
        n_numbers = #parts
        if n_numbers == 0 then
            error("tracking.lua: the list " .. tostring(args[2]) .. " holds no waybill number")
        end
        records, record_width = table.concat(parts), width
        parts = nil
        collectgarbage()
        -- a different, repeatable sequence per thread
        math.randomseed(7919 * tid)
        -- The request as wrk.format writes it, split around the number, so
        -- that each request costs one concatenation (about what the static
        -- mode's constant string costs): the client must not be the limit.
        local marker = "PDNUMBERMARK"
        local r = wrk.format("GET", "/api/v1/public/tracking/" .. marker)
        local at = string.find(r, marker, 1, true)
        head, tail = string.sub(r, 1, at - 1), string.sub(r, at + #marker)
    elseif mode == "static" then
        fixed = wrk.format("GET", args[2])
    else
        error("tracking.lua: MODE must be random or static, got " .. tostring(mode))
    end
end

function request()
    if fixed then
        return fixed
    end
    local at = (math.random(n_numbers) - 1) * record_width
    return head .. string.sub(records, at + 1, at + record_width) .. tail
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "pd-result requests=%d other=%d p50_ms=%.3f p99_ms=%.3f rps=%.1f "
            .. "connect=%d read=%d write=%d timeout=%d\n",
        summary.requests, e.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests / (summary.duration / 1e6), e.connect, e.read, e.write, e.timeout))
end
