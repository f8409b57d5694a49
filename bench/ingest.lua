-- wrk script for bench/ingest.sh: scan batches as handheld devices send
-- them. Every request is POST /api/v1/scans with a JSON array of BATCH
-- events, each for a waybill drawn at random from the list `parceldesk
-- generate --list` wrote (random waybill order, as thousands of devices
-- produce it), with a type, a node of the right kind, a time in the last
-- hour (so a waybill's events arrive out of order) and a (device_id,
-- device_seq) no other event of the run has: device "B<TAG>-T<thread>",
-- sequence counting up. Every event is valid, so every answer must be 200
-- with all BATCH accepted, none duplicate, none rejected.
--
-- Arguments (after `--`): LISTFILE TAG OUTLETS HUBS BATCH, where OUTLETS and
-- HUBS are comma-separated node codes (pickups and deliveries happen at
-- outlets, arrivals, sorting and departures at sorting centres). The
-- Authorization header comes from wrk's -H option.
--
-- done() prints one machine-readable line for ingest.sh:
--   pd-result requests=N ok=N other=N accepted=N duplicates=N rejected=N
--             p50_ms=X p99_ms=X rps=X connect=N read=N write=N timeout=N
--             first_error=STATUS BODY

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local function split(s)
    local t = {}
    for c in string.gmatch(s or "", "[^,]+") do
        t[#t + 1] = c
    end
    return t
end

function init(args)
    numbers = {}
    for line in io.lines(args[1]) do
        if #line > 0 then
            numbers[#numbers + 1] = line
        end
    end
    tag, outlets, hubs, batch = args[2], split(args[3]), split(args[4]), tonumber(args[5])
    if #numbers == 0 or not tag or #outlets == 0 or #hubs == 0 or not batch or batch < 1 then
        error("ingest.lua: arguments are LISTFILE TAG OUTLETS HUBS BATCH")
    end
    math.randomseed(104729 * tid)
    device = string.format("B%s-T%d", tag, tid)
    seq = 0
    headers = {}
    for k, v in pairs(wrk.headers) do
        headers[k] = v
    end
    headers["Content-Type"] = "application/json"
    ok, other, accepted, duplicates, rejected, first_error = 0, 0, 0, 0, 0, ""
    stamp, times = -1, {}
end

-- What devices report, roughly in the proportions a network sees them.
local kinds = {
    { "arrival", "hub" }, { "arrival", "hub" }, { "departure", "hub" }, { "departure", "hub" },
    { "sort", "hub" }, { "sort", "hub" }, { "pickup", "outlet" }, { "station_arrival", "outlet" },
    { "out_for_delivery", "outlet" }, { "delivered", "outlet" },
}

local function refresh_times()
    local now = os.time()
    if now ~= stamp then
        stamp = now
        -- sixty times a minute apart in the last hour, UTC
        for i = 1, 60 do
            times[i] = os.date("!%Y-%m-%dT%H:%M:%SZ", now - 60 * (i - 1) - 1)
        end
    end
end

function request()
    refresh_times()
    local parts = {}
    for i = 1, batch do
        local k = kinds[math.random(#kinds)]
        local node = k[2] == "hub" and hubs[math.random(#hubs)] or outlets[math.random(#outlets)]
        seq = seq + 1
        local extra = ""
        if k[1] == "delivered" then
            extra = ',"signer_type":"recipient","signer":"本人"'
        end
        parts[i] = string.format(
            '{"waybill_no":"%s","type":"%s","at":"%s","node":"%s","operator":"%s-07",'
                .. '"device_id":"%s","device_seq":%d%s}',
            numbers[math.random(#numbers)], k[1], times[math.random(60)], node, node,
            device, seq, extra)
    end
    return wrk.format("POST", "/api/v1/scans", headers, "[" .. table.concat(parts, ",") .. "]")
end

function response(status, hdrs, body)
    local a = tonumber(string.match(body or "", '"accepted"%s*:%s*(%d+)'))
    local d = tonumber(string.match(body or "", '"duplicates"%s*:%s*(%d+)'))
    local clean = string.find(body or "", '"rejected"%s*:%s*%[%s*%]') ~= nil
    if status == 200 and a and d and clean then
        ok = ok + 1
        accepted = accepted + a
        duplicates = duplicates + d
    else
        other = other + 1
        if not clean then
            rejected = rejected + 1
        end
        if first_error == "" then
            first_error = tostring(status) .. " " .. string.sub(body or "", 1, 400)
        end
    end
end

function done(summary, latency, requests)
    local s = { ok = 0, other = 0, accepted = 0, duplicates = 0, rejected = 0 }
    local err = ""
    for _, t in ipairs(threads) do
        for k, _ in pairs(s) do
            s[k] = s[k] + (t:get(k) or 0)
        end
        local e = t:get("first_error") or ""
        if err == "" and e ~= "" then
            err = e
        end
    end
    local e = summary.errors
    io.write(string.format(
        "pd-result requests=%d ok=%d other=%d accepted=%d duplicates=%d rejected=%d "
            .. "p50_ms=%.3f p99_ms=%.3f rps=%.1f connect=%d read=%d write=%d timeout=%d first_error=%s\n",
        summary.requests, s.ok, s.other, s.accepted, s.duplicates, s.rejected,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests / (summary.duration / 1e6),
        e.connect, e.read, e.write, e.timeout, (string.gsub(err, "\n", " "))))
end
