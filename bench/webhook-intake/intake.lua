-- wrk script for bench/webhook-intake: every request is a NEW EmailBison lead_replied delivery.
--
-- Environment (set by ./run):
--   BENCH_WORKSPACE   Ballast workspace id (path)          BENCH_TOKEN   its intake token
--   BENCH_PROVIDER_WS EmailBison workspace_id it accepts    BENCH_LEADS   how many distinct leads (default 100)
--   BENCH_ID_BASE     first reply id of this phase; thread t numbers its replies BENCH_ID_BASE + t * 10^9 + n,
--                     so reply ids never repeat within a run (phases get bases 10^12 apart).
--
-- Each thread counts requests sent, 200 "accepted" answers and anything else; done() prints them as
-- WRK_SENT / WRK_ACCEPTED / WRK_OTHER lines for ./run, which fails the run if WRK_OTHER is not 0.

local workspace = os.getenv("BENCH_WORKSPACE") or error("BENCH_WORKSPACE is not set")
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN is not set")
local provider_ws = os.getenv("BENCH_PROVIDER_WS") or "4242"
local leads = tonumber(os.getenv("BENCH_LEADS") or "100")
local id_base = tonumber(os.getenv("BENCH_ID_BASE") or "0")

local threads = {}
local next_thread_id = 0

function setup(thread)
    thread:set("tid", next_thread_id)
    next_thread_id = next_thread_id + 1
    table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local counter = 0
sent = 0
accepted = 0
other = 0
first_other = ""

local path = "/webhooks/email/" .. workspace
local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
}

-- %d formats a double beyond 2^31 fine in LuaJIT's string.format; ids stay well below 2^53.
local template = '{"event":{"type":"lead_replied","name":"Lead Replied","instance_url":"https://app.emailbison.com",'
    .. '"workspace_id":' .. provider_ws .. ',"workspace_name":"Bench"},'
    .. '"data":{"reply":{"id":%.0f,"uuid":"bench-%.0f","email_subject":"Re: our call",'
    .. '"from_name":"Lead %d","from_email_address":"lead%d@bench.example",'
    .. '"primary_to_email_address":"sales@ourco.example",'
    .. '"text_body":"Sounds good, call me tomorrow.","html_body":"<p>Sounds good, call me tomorrow.</p>",'
    .. '"date_received":"2025-01-15T10:00:00.000000Z","interested":false,"automated_reply":false},'
    .. '"lead":{"id":%d,"email":"lead%d@bench.example","first_name":"Lead","last_name":"%d"},'
    .. '"campaign":{"id":5,"name":"Q1 outreach"},"sender_email":{"id":3,"email":"sales@ourco.example"}}}'

function request()
    counter = counter + 1
    sent = sent + 1
    local reply_id = id_base + tid * 1e9 + counter
    local lead = (tid * 7919 + counter) % leads + 1
    local body = string.format(template, reply_id, reply_id, lead, lead, lead, lead, lead)
    return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
    if status == 200 and string.find(body, '"status":"accepted"', 1, true) then
        accepted = accepted + 1
    else
        other = other + 1
        if first_other == "" then
            first_other = status .. " " .. string.sub(body or "", 1, 300)
        end
    end
end

function done(summary, latency, requests)
    local s, a, o, first = 0, 0, 0, ""
    for _, thread in ipairs(threads) do
        s = s + thread:get("sent")
        a = a + thread:get("accepted")
        o = o + thread:get("other")
        local f = thread:get("first_other")
        if first == "" and f ~= nil and f ~= "" then
            first = f
        end
    end
    io.write(string.format("WRK_SENT %d\nWRK_ACCEPTED %d\nWRK_OTHER %d\n", s, a, o))
    if first ~= "" then
        io.write("WRK_FIRST_OTHER " .. first:gsub("\n", " ") .. "\n")
    end
    io.write(string.format("WRK_P50_US %d\nWRK_P99_US %d\n", latency:percentile(50), latency:percentile(99)))
end
