#!/usr/bin/env bash
# RFC 5626 §5.3 reachability through `sippet serve --mode registrar`: a phone
# behind a NAT simulated on loopback (its Contact names 10.0.0.1, its
# REGISTER comes from 127.0.0.1) and a phone on TCP are both called by
# SIPp's uac (scenarios/uac-rr.xml: the ACK and BYE go to the callee's
# Contact through the registrar, which finds the binding's flow); a TCP
# phone whose connection has closed is skipped: 430 Flow Failed; a TCP
# phone's connection is not closed as idle while its binding lasts.
source "$(dirname "$0")/lib.sh"
init "$@"
start_registrar

echo "== behind a NAT (UDP): the INVITE, ACK and BYE come on the REGISTER's flow"
"${PHONE[@]}" phone "$REG_PORT" --user natted --contact "sip:natted@10.0.0.1:5060" >natted.out &
BACKGROUND_PIDS+=($!)
NATTED_PID=$!
wait_lines natted.out 1
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s natted -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
wait "$NATTED_PID" || { cat natted.out registrar.log >&2; fail "the phone behind a NAT"; }
grep -q "answered 1" natted.out || fail "the phone behind a NAT answered no call"

echo "== on TCP: the INVITE, ACK and BYE come on the phone's connection"
"${PHONE[@]}" phone "$REG_PORT" --user tcp --tcp >tcp.out &
BACKGROUND_PIDS+=($!)
TCP_PID=$!
wait_lines tcp.out 1
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s tcp -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
wait "$TCP_PID" || { cat tcp.out registrar.log >&2; fail "the phone on TCP"; }
grep -q "answered 1" tcp.out || fail "the phone on TCP answered no call"

echo "== a TCP phone gone: its only binding is skipped, 430"
"${PHONE[@]}" phone "$REG_PORT" --user gone --tcp --close >gone.out
grep -q registered gone.out || fail "the TCP phone did not register"
invite_gone() {
  cat <<REQ
INVITE sip:gone@127.0.0.1:$REG_PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:caller@127.0.0.1>;tag=1
To: <sip:gone@127.0.0.1>
Call-ID: CALLID
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0
REQ
}
# The registrar learns of the close when it reads the connection's end: the
# answer is 430 from then on (bounded wait for that event).
got=""
for _ in $(seq 1 20); do
  invite_gone | "${PHONE[@]}" request "$REG_PORT" >response.txt || true
  got=$(head -1 response.txt | cut -d' ' -f2)
  [ "$got" = 430 ] && break
  sleep 0.1
done
[ "$got" = 430 ] || { cat response.txt registrar.log >&2; fail "expected 430, got $got"; }
echo "ok: $(head -1 response.txt | tr -d '\r')"
stop_registrar

echo "== a TCP phone's connection outlives the idle timeout while it is registered"
start_registrar --idle-timeout 200
"${PHONE[@]}" phone "$REG_PORT" --user kept --tcp >kept.out &
BACKGROUND_PIDS+=($!)
KEPT_PID=$!
wait_lines kept.out 1
# The event that the timeout has passed: a connection opened after the
# phone's, which sends nothing, is closed by the registrar.
python3 - "$REG_PORT" <<'PY' || fail "an idle connection was not closed within 10 s"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
try:
    data = s.recv(1)
except ConnectionResetError:
    data = b""
sys.exit(0 if data == b"" else 1)
PY
echo "ok: an idle connection was closed"
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s kept -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
wait "$KEPT_PID" || { cat kept.out registrar.log >&2; fail "the registered TCP phone"; }
grep -q "answered 1" kept.out || fail "the registered TCP phone answered no call"
echo "ok: the registered TCP phone's connection stayed open"
stop_registrar
