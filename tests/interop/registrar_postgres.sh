#!/usr/bin/env bash
# Two `sippet serve --mode registrar` nodes sharing one throwaway PostgreSQL
# cluster (pg_cluster: initdb and pg_ctl in a temporary directory on a free
# loopback port, as an unprivileged user when run as root): a SIPp callee
# registers through node A and SIPp's uac calls it through node B; then it
# unregisters through B and a call through A gets 480. A phone behind a NAT
# and a phone on TCP (sip_phone.py) register through A: an in-dialog request
# through B reaches the first on its flow, and calls through A reach both
# (INVITE, then ACK and BYE along the Record-Route, on the flows).
# Usage: registrar_postgres.sh <sippet> <sipp> <pg_cluster>
source "$(dirname "$0")/lib.sh"
PG_CLUSTER=$(realpath "$3")
init "$1" "$2"
"$PG_CLUSTER" >pg.out 2>&1 &
PG_PID=$!
BACKGROUND_PIDS+=("$PG_PID")
for _ in $(seq 1 300); do
  [ -s pg.out ] && grep -q . pg.out && break
  kill -0 "$PG_PID" 2>/dev/null || break
  sleep 0.1
done
if grep -q "^unavailable" pg.out; then
  cat pg.out
  exit 77
fi
URL=$(head -1 pg.out)
case "$URL" in postgresql://*) ;; *) cat pg.out >&2; fail "no PostgreSQL cluster" ;; esac
DB=$URL

echo "== node A and node B on $URL"
start_registrar
A_PORT=$REG_PORT A_PID=$REG_PID
mv registrar.log a.log
REG_PORT=""
start_registrar
B_PORT=$REG_PORT B_PID=$REG_PID

echo "== register through A, call through B"
CALLS=3
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
REG_PORT=$A_PORT sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"
[ "$(contacts_of sip:bob@127.0.0.1)" = "sip:bob@127.0.0.1:$CALLEE_PORT" ] || fail "bob not stored"
run_sipp_to "127.0.0.1:$B_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"

echo "== unregister through B: A answers 480"
REG_PORT=$B_PORT sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT" 0
REG_PORT=$A_PORT
cat <<REQ | expect_status 480
INVITE sip:bob@127.0.0.1:$A_PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:caller@127.0.0.1>;tag=1
To: <sip:bob@127.0.0.1>
Call-ID: CALLID
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0
REQ
echo "== in-dialog requests reach a phone behind a NAT and a phone on TCP on their flows"
# Registered through A; their Contacts are not reachable (10.0.0.1, and a
# TCP port nothing listens on): only the REGISTERs' flows are.
"${PHONE[@]}" phone "$A_PORT" --user natted --contact "sip:natted@10.0.0.1:5060" >natted.out &
NATTED_PID=$!
BACKGROUND_PIDS+=("$NATTED_PID")
"${PHONE[@]}" phone "$A_PORT" --user tcp --tcp >tcp.out &
TCP_PID=$!
BACKGROUND_PIDS+=("$TCP_PID")
wait_lines natted.out 2
wait_lines tcp.out 2
# A request within a dialog (a To tag, no Route left) to B, which has not
# routed anything to this phone: B finds the binding of the To's address
# of record whose contact is the Request-URI and sends on its flow.
REG_PORT=$B_PORT
cat <<REQ | expect_status 200
INFO sip:natted@10.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:caller@127.0.0.1>;tag=1
To: <sip:natted@127.0.0.1>;tag=2
Call-ID: CALLID
CSeq: 2 INFO
Max-Forwards: 70
Content-Length: 0
REQ
echo "ok: an in-dialog request through B reached the phone behind a NAT"
# Calls through A: the INVITE to the address of record, then the ACK and
# the BYE to the phone's Contact along the Record-Route.
for user in natted tcp; do
  run_sipp_to "127.0.0.1:$A_PORT" 1 -s "$user" -sf "$SCENARIOS/uac-rr.xml"
  expect_all_calls_ok 1
done
wait "$NATTED_PID" || { cat natted.out a.log >&2; fail "the phone behind a NAT"; }
wait "$TCP_PID" || { cat tcp.out a.log >&2; fail "the phone on TCP"; }
grep -q "answered 1" natted.out || fail "the phone behind a NAT answered no call"
grep -q "answered 1" tcp.out || fail "the phone on TCP answered no call"
echo "ok: both phones answered, the ACK and BYE on their flows"
REG_PID=$B_PID stop_registrar
REG_PID=$A_PID stop_registrar
