#!/usr/bin/env bash
# `sippet serve --pcap FILE`: tshark's SIP dissector decodes every message
# of SIPp calls from the file, in order, with the real addresses and ports,
# and both checksums verify; sngrep reads the file too.
source "$(dirname "$0")/lib.sh"
init "$@"
command -v tshark >/dev/null ||
  fail "tshark is not installed: scripts/setup.sh installs it (Debian package tshark)"
CALLS=5
start_serve --threads 2 --pcap capture.pcap
run_sipp "$CALLS" -sn uac -r 50 -nr  # -nr: no retransmissions, each message once
expect_all_calls_ok "$CALLS"
stop_serve  # the capture is complete once the server has exited

tshark -r capture.pcap -Y sip -T fields -E separator=, -e ip.src -e udp.srcport -e ip.dst \
  -e udp.dstport -e sip.Method -e sip.Status-Code -e sip.CSeq.method -e sip.Call-ID \
  >fields.csv 2>tshark.err || { cat tshark.err >&2; fail "tshark cannot read the capture"; }
bad=$(tshark -r capture.pcap -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'ip.checksum.status != 1 || udp.checksum.status != 1 || _ws.malformed' 2>/dev/null | wc -l)
[ "$bad" = 0 ] || fail "$bad packets with a bad checksum or malformed"
python3 - fields.csv "$SERVE_PORT" "$SIPP_PORT" "$CALLS" <<'PY'
import sys
path, serve_port, sipp_port, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [line.rstrip("\n").split(",") for line in open(path)]
if len(rows) != 6 * calls:
    sys.exit("FAIL: tshark decoded %d SIP messages, expected %d" % (len(rows), 6 * calls))
them = ("127.0.0.1", sipp_port)
us = ("127.0.0.1", serve_port)
expected = [("INVITE", ""), ("", "180"), ("", "200"), ("ACK", ""), ("BYE", ""), ("", "200")]
by_call = {}
for src, sport, dst, dport, method, status, cseq, call in rows:
    request = method != ""
    if ((src, sport), (dst, dport)) != ((them, us) if request else (us, them)):
        sys.exit("FAIL: %s %s from %s:%s to %s:%s" % (method, status, src, sport, dst, dport))
    by_call.setdefault(call, []).append((method, status))
if len(by_call) != calls:
    sys.exit("FAIL: %d calls in the capture, expected %d" % (len(by_call), calls))
for call, seen in by_call.items():
    if seen != expected:
        sys.exit("FAIL: call %s: %s" % (call, seen))
print("ok: tshark decoded %d messages of %d calls in order" % (len(rows), calls))
PY
if command -v sngrep >/dev/null; then
  timeout 20 sngrep -N -q -I capture.pcap -O sngrep.pcap >/dev/null 2>&1 ||
    fail "sngrep -I cannot read the capture"
  n=$(tshark -r sngrep.pcap -Y sip 2>/dev/null | wc -l)
  [ "$n" = $((6 * CALLS)) ] || fail "sngrep -I found $n SIP messages, expected $((6 * CALLS))"
  echo "ok: sngrep -I read the $n messages"
fi
