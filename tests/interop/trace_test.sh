#!/usr/bin/env bash
# `sippet serve --trace-format json`: every message of SIPp calls appears
# once, in order, with its direction and flow; an unparsable datagram is
# traced with the parser's reason; `sippet send --trace` prints readable
# blocks of what it sent and received.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=5
start_serve --threads 2 --trace-format json --trace-file trace.json
run_sipp "$CALLS" -sn uac -r 50 -nr  # -nr: no retransmissions, each message once
expect_all_calls_ok "$CALLS"

# A datagram that does not parse: traced as received, with the reason.
printf 'THIS IS NOT SIP\r\n\r\n' >garbage.txt
send_datagram garbage.txt
# `sippet send --trace`: the trace on stderr, the status line on stdout.
status=0
timeout 20 "$SIPPET" send --trace "sip:trace@127.0.0.1:$SERVE_PORT" >send.out 2>send.err ||
  status=$?
[ "$status" = 0 ] || { cat send.out send.err >&2; fail "sippet send exited $status"; }
grep -q "^SIP/2.0 200 OK$" send.out || fail "no status line on stdout"
grep -Eq "^--- [0-9T:.-]+Z sent [0-9]+ bytes over UDP [0-9.:]+ -> 127.0.0.1:$SERVE_PORT\$" \
  send.err || { cat send.err >&2; fail "no 'sent' block in send's trace"; }
grep -Eq "^--- [0-9T:.-]+Z received [0-9]+ bytes over UDP [0-9.:]+ <- 127.0.0.1:$SERVE_PORT\$" \
  send.err || { cat send.err >&2; fail "no 'received' block in send's trace"; }
grep -q "^OPTIONS sip:trace@127.0.0.1:$SERVE_PORT SIP/2.0$" send.err || fail "no OPTIONS in the trace"

# 6 messages a call, the garbage, then the OPTIONS and its 200.
wait_lines trace.json $((CALLS * 6 + 3))
stop_serve
python3 - trace.json "$SERVE_PORT" "$SIPP_PORT" "$CALLS" <<'PY'
import json, re, sys
path, serve_port, sipp_port, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
us = "127.0.0.1:" + serve_port
events = [json.loads(line) for line in open(path)]
time_format = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

def fail(why):
    sys.exit("FAIL: " + why)

def call_id(text):
    m = re.search(r"^(?:Call-ID|i)\s*:\s*(\S+)", text, re.M | re.I)
    return m.group(1) if m else None

def kind(text):
    first = text.split("\r\n", 1)[0]
    return first.split(" ")[1] if first.startswith("SIP/2.0 ") else first.split(" ")[0]

by_call = {}
refused = []
for e in events:
    for field in ("time", "direction", "transport", "local", "remote", "connection", "size"):
        if field not in e:
            fail("no %s in %s" % (field, e))
    if not time_format.match(e["time"]):
        fail("time %r" % e["time"])
    if e["transport"] != "UDP" or e["local"] != us or e["connection"] != 0:
        fail("flow of %s" % e)
    if e["size"] != len(e["message"].encode()):
        fail("size %d of a %d-octet message" % (e["size"], len(e["message"].encode())))
    if "error" in e:
        refused.append(e)
        continue
    by_call.setdefault(call_id(e["message"]), []).append(e)

sipp_calls = [c for c, es in by_call.items() if es[0]["remote"] == "127.0.0.1:" + sipp_port]
if len(sipp_calls) != calls:
    fail("%d SIPp calls traced, expected %d" % (len(sipp_calls), calls))
expected = [("in", "INVITE"), ("out", "180"), ("out", "200"), ("in", "ACK"), ("in", "BYE"),
            ("out", "200")]
for c in sipp_calls:
    seen = [(e["direction"], kind(e["message"])) for e in by_call[c]]
    if seen != expected:
        fail("call %s: %s" % (c, seen))
    if any(e["remote"] != "127.0.0.1:" + sipp_port for e in by_call[c]):
        fail("call %s: remote address" % c)
    times = [e["time"] for e in by_call[c]]
    if times != sorted(times):
        fail("call %s: times out of order" % c)
others = [es for c, es in by_call.items() if c not in sipp_calls]
if len(others) != 1 or [(e["direction"], kind(e["message"])) for e in others[0]] != [
        ("in", "OPTIONS"), ("out", "200")]:
    fail("the OPTIONS of sippet send: %s" % others)
if len(refused) != 1:
    fail("%d refused messages traced, expected 1" % len(refused))
r = refused[0]
if r["direction"] != "in" or r["message"] != "THIS IS NOT SIP\r\n\r\n" or not r["error"]:
    fail("refused message: %s" % r)
print("ok: %d calls, %d messages traced in order; garbage traced: %s" %
      (calls, len(events), r["error"]))
PY
