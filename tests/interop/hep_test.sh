#!/usr/bin/env bash
# `sippet serve --hep udp:127.0.0.1:PORT --hep-id 2001`: a test capture
# server (hep_receiver.py) decodes every packet of SIPp calls: generic
# chunks, IPv4 addresses and ports by direction, time, SIP protocol type,
# capture agent id, the Call-ID as correlation id, the message as payload.
# Then sngrep's own HEP3 decoder (`sngrep -E`) reads the same packets from
# a pcap of them, and tshark's SIP dissector checks what it decoded.
# (Debian's tshark 4.0 has no HEP dissector of its own.)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
init "$@"
CALLS=4
HEP_PORT=$(free_port)
timeout 60 python3 "$HERE/hep_receiver.py" "$HEP_PORT" $((CALLS * 6)) hep \
  >receiver.out 2>&1 &
RECEIVER_PID=$!
for _ in $(seq 1 100); do
  grep -q ready receiver.out && break
  kill -0 "$RECEIVER_PID" 2>/dev/null || { cat receiver.out >&2; fail "receiver did not start"; }
  sleep 0.1
done
grep -q ready receiver.out || fail "receiver not ready after 10 s"
start_serve --threads 2 --hep "udp:127.0.0.1:$HEP_PORT" --hep-id 2001
run_sipp "$CALLS" -sn uac -r 50 -nr  # -nr: no retransmissions, each message once
expect_all_calls_ok "$CALLS"
status=0
wait "$RECEIVER_PID" || status=$?
[ "$status" = 0 ] || { cat receiver.out >&2; fail "receiver got fewer than $((CALLS * 6))"; }
stop_serve
grep -q "hep: $((CALLS * 6)) messages written, 0 dropped, 0 sends failed" serve.log ||
  { cat serve.log >&2; fail "serve did not report the HEP copies"; }

python3 - hep.jsonl "$SERVE_PORT" "$SIPP_PORT" "$CALLS" <<'PY'
import json, re, sys, time
path, serve_port, sipp_port, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def fail(why):
    sys.exit("FAIL: " + why)
by_call = {}
for line in open(path):
    packet = json.loads(line)
    if "error" in packet:
        fail(packet["error"])
    c = {int(k): v for k, v in packet["chunks"].items()}
    if sorted(c) != [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15, 17]:
        fail("chunk types %s" % sorted(c))
    if (c[1], c[2], c[3], c[4], c[11], c[12]) != (2, 17, "127.0.0.1", "127.0.0.1", 1, 2001):
        fail("family, protocol, addresses, type or capture id: %s" % c)
    if abs(c[9] - time.time()) > 300 or not 0 <= c[10] < 1000000:
        fail("timestamp %d.%06d" % (c[9], c[10]))
    message = c[15]
    first = message.split("\r\n", 1)[0]
    response = first.startswith("SIP/2.0 ")
    kind = first.split(" ")[1] if response else first.split(" ")[0]
    ports = (serve_port, sipp_port) if response else (sipp_port, serve_port)
    if (c[7], c[8]) != ports:
        fail("%s from port %d to %d" % (kind, c[7], c[8]))
    call_id = re.search(r"^Call-ID:\s*(\S+)", message, re.M | re.I).group(1)
    if c[17] != call_id:
        fail("correlation id %r, Call-ID %r" % (c[17], call_id))
    by_call.setdefault(call_id, []).append(kind)
expected = ["INVITE", "180", "200", "ACK", "BYE", "200"]
if len(by_call) != calls or any(seen != expected for seen in by_call.values()):
    fail("calls: %s" % by_call)
print("ok: %d HEP3 packets decoded" % (6 * calls))
PY

command -v sngrep >/dev/null || fail "sngrep is not installed: scripts/setup.sh installs it"
command -v tshark >/dev/null || fail "tshark is not installed: scripts/setup.sh installs it"
timeout 20 sngrep -N -q -E -I hep.pcap -O decoded.pcap >/dev/null 2>&1 ||
  fail "sngrep -E cannot read the HEP packets"
tshark -r decoded.pcap -Y sip -T fields -E separator=, -e ip.src -e udp.srcport -e ip.dst \
  -e udp.dstport -e sip.Method -e sip.Status-Code -e frame.time_epoch >decoded.csv 2>/dev/null ||
  fail "tshark cannot read what sngrep decoded"
# sngrep 1.6 writes each message it decapsulates twice: count each once.
uniq decoded.csv >unique.csv
n=$(wc -l <unique.csv)
[ "$n" = $((CALLS * 6)) ] || { cat decoded.csv >&2; fail "sngrep decoded $n messages"; }
requests=$(grep -c "^127.0.0.1,$SIPP_PORT,127.0.0.1,$SERVE_PORT,[A-Z]\+,," unique.csv)
responses=$(grep -c "^127.0.0.1,$SERVE_PORT,127.0.0.1,$SIPP_PORT,,[0-9]\+," unique.csv)
[ "$requests" = $((CALLS * 3)) ] && [ "$responses" = $((CALLS * 3)) ] ||
  { cat unique.csv >&2; fail "sngrep's decoding: $requests requests, $responses responses"; }
echo "ok: sngrep -E decoded the $n HEP3 packets with their addresses and ports"
