-- wrk script for bench/orders.sh: every request is a different valid order,
-- POSTed either to /api/v1/waybills (expects 201) or to /api/v1/quotes
-- (the same body priced without a write, expects 200). Orders must differ in
-- what the duplicate check looks at (sender and recipient phone, destination,
-- address, goods, weight), or later ones would go to review as duplicates of
-- earlier ones: the recipient's phone and address carry the run tag, the wrk
-- thread and a per-thread counter, so no two requests of a benchmark repeat.
--
-- Arguments (after `--`): MODE (orders|quotes) and TAG (a short token unique
-- to this wrk run, e.g. "sq-w" for the SQLite warm-up). The Authorization
-- header comes from wrk's -H option.
--
-- done() prints one machine-readable line for orders.sh:
--   pd-result requests=N expected=N other=N p50_ms=X p99_ms=X rps=X
--             connect=N read=N write=N timeout=N first_error=STATUS BODY
-- where `expected` counts answers with the expected status, `other` the rest
-- (the first of which, with its body, follows first_error=).

local threads = {}
local counter = 0

-- Destinations: real districts, written as people write them.
local districts = {
    { "上海市", "上海市", "浦东新区", "世纪大道" },
    { "北京市", "北京市", "朝阳区", "建国路" },
    { "广东省", "广州市", "天河区", "天河路" },
    { "浙江省", "杭州市", "西湖区", "文三路" },
}
local names = { "李四", "王芳", "陈静", "刘洋", "赵磊" }
local goods = { "衣服", "书籍", "日用品", "鞋子" }

local sender = '{"name":"张三","phone":"13800138000","province":"广东省",'
    .. '"city":"深圳市","district":"南山区","address":"科技园南路 1 号"}'

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    mode = args[1] or "orders"
    tag = args[2] or "x"
    if mode == "orders" then
        path, expect = "/api/v1/waybills", 201
    elseif mode == "quotes" then
        path, expect = "/api/v1/quotes", 200
    else
        error("orders.lua: MODE must be orders or quotes, got " .. tostring(mode))
    end
    headers = {}
    for k, v in pairs(wrk.headers) do
        headers[k] = v
    end
    headers["Content-Type"] = "application/json"
    ok, other, first_error = 0, 0, ""
end

function request()
    counter = counter + 1
    local n = counter
    local d = districts[(n + tid) % #districts + 1]
    -- 139 + two digits of the thread + six of the counter: valid mobiles,
    -- different for every request of a run.
    local phone = string.format("139%02d%06d", tid % 100, n % 1000000)
    local body = string.format(
        '{"channel":"phone","service":"standard","payment":"sender",'
            .. '"customer_ref":"BENCH-%s-%d-%d","sender":%s,'
            .. '"recipient":{"name":"%s","phone":"%s","province":"%s","city":"%s",'
            .. '"district":"%s","address":"%s %d 号 %s-%d 室"},'
            .. '"goods":{"name":"%s","quantity":1,"weight_g":%d},'
            .. '"declared_value_fen":0,"cod_fen":0,"parcels":1}',
        tag, tid, n, sender,
        names[n % #names + 1], phone, d[1], d[2], d[3], d[4], n % 999 + 1, tag, tid * 1000000 + n,
        goods[n % #goods + 1], 200 + (n * 37) % 9800)
    return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
    if status == expect then
        ok = ok + 1
    else
        other = other + 1
        if first_error == "" then
            first_error = tostring(status) .. " " .. string.sub(body or "", 1, 400)
        end
    end
end

function done(summary, latency, requests)
    local ok_sum, other_sum, err = 0, 0, ""
    for _, t in ipairs(threads) do
        ok_sum = ok_sum + (t:get("ok") or 0)
        other_sum = other_sum + (t:get("other") or 0)
        local e = t:get("first_error") or ""
        if err == "" and e ~= "" then
            err = e
        end
    end
    local e = summary.errors
    io.write(string.format(
        "pd-result requests=%d expected=%d other=%d p50_ms=%.3f p99_ms=%.3f rps=%.1f "
            .. "connect=%d read=%d write=%d timeout=%d first_error=%s\n",
        summary.requests, ok_sum, other_sum,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests / (summary.duration / 1e6),
        e.connect, e.read, e.write, e.timeout, (string.gsub(err, "\n", " "))))
end
