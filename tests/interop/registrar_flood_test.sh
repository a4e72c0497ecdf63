#!/usr/bin/env bash
# A REGISTER flood from one source while calls go on, through `sippet serve
# --mode registrar --register-queue 8`: SIPp sends REGISTERs at 2,000/s
# from 127.0.0.2 (scenarios/register_flood.xml, a new address of record
# each) while a second SIPp makes 20 calls from 127.0.0.1 to a registered
# callee; the flood is still going when they end, and then stops (SIPp's
# SIGUSR1, at most 20,000 REGISTERs). Every REGISTER of the flood is answered: 200 once
# stored, or 503 with Retry-After when its source already has a quarter of
# the queue waiting (both happen); every call completes; a REGISTER from
# another address during the flood is stored (the flood cannot take the
# whole queue); the server stays up and stops cleanly.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=20
FLOOD=20000
start_registrar --register-queue 8

start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"

echo "== REGISTERs from 127.0.0.2 at 2,000/s, $CALLS calls from 127.0.0.1"
FLOOD_PORT=$(free_port)
"$SIPP" "127.0.0.1:$REG_PORT" -i 127.0.0.2 -p "$FLOOD_PORT" -m "$FLOOD" -r 2000 \
  -sf "$SCENARIOS/register_flood.xml" -timeout 40s -timeout_error -nostdin -trace_screen \
  -screen_file flood_screen.log >flood.out 2>&1 &
FLOOD_PID=$!
BACKGROUND_PIDS+=("$FLOOD_PID")
# (SIPp's own -timeout bounds it to 40 s.)
# The flood has begun once the registrar has stored one of its bindings.
for _ in $(seq 1 100); do
  "$SIPPET" registrations --db "$DB" | grep -q flood- && break
  sleep 0.05
done
(
  run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 40
  exit "$SIPP_STATUS"
) &
CALLER_PID=$!
"${PHONE[@]}" request "$REG_PORT" >other.txt <<REQ || fail "no answer to carol's REGISTER"
REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:carol@127.0.0.1>;tag=1
To: <sip:carol@127.0.0.1>
Call-ID: CALLID
CSeq: 1 REGISTER
Contact: <sip:carol@127.0.0.1:5998>
Max-Forwards: 70
Content-Length: 0
REQ
head -1 other.txt | grep -q "^SIP/2.0 200" || { cat other.txt >&2; fail "carol's REGISTER"; }
echo "ok: a REGISTER from another address during the flood: $(head -1 other.txt | tr -d '\r')"
SIPP_STATUS=0
wait "$CALLER_PID" || SIPP_STATUS=$?
kill -0 "$FLOOD_PID" 2>/dev/null || fail "the flood ended before the calls did"
kill -USR1 "$FLOOD_PID"  # SIPp: no new calls, the current ones end
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"

status=0
wait "$FLOOD_PID" || status=$?
counter() { awk -F'|' -v name="$1" '$1 ~ name { gsub(/ /, "", $3); v = $3 } END { print v }' \
  flood_screen.log; }
answered() { awk -v code="$1" '$1 == code && $2 ~ /^<-/ { v = $3 } END { print v + 0 }' \
  flood_screen.log; }
sent=$(counter "Outgoing calls created")
ok=$(counter "Successful call")
failed=$(counter "Failed call")
refused=$(answered 503)
stored=$(answered 200)
if [ "$status" != 0 ] || [ "$ok" != "$sent" ] || [ "$failed" != 0 ]; then
  cat flood_screen.log >&2
  fail "flood: sipp exit $status, answered $ok/$sent, failed $failed"
fi
[ "$refused" -gt 0 ] && [ "$stored" -gt 0 ] && [ $((refused + stored)) = "$sent" ] ||
  fail "flood: $stored answered 200 and $refused 503 of $sent"
echo "ok: flood of $sent: $stored stored (200), $refused refused (503 with Retry-After)"
kill -0 "$REG_PID" || fail "the registrar died"
stop_registrar
