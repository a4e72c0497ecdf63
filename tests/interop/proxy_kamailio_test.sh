#!/usr/bin/env bash
# Kamailio on either side of our proxy, both record-routing:
#   SIPp uac -> Kamailio -> sippet proxy -> SIPp uas-200.xml
#   SIPp uac -> sippet proxy -> Kamailio -> SIPp uas-200.xml
# SIPp's caller (scenarios/uac-rr.xml) sends its ACK and BYE with the route
# set of the 200's Record-Route to its first hop: zero failed calls on both
# sides means the in-dialog requests followed the recorded route, and our
# proxy's trace shows every BYE crossing it. Kamailio comes from Debian
# (scripts/setup.sh); without it the test is skipped (exit 77).
source "$(dirname "$0")/lib.sh"
KAMAILIO=$(command -v kamailio || true)
[ -z "$KAMAILIO" ] && [ -x /usr/sbin/kamailio ] && KAMAILIO=/usr/sbin/kamailio
if [ -z "$KAMAILIO" ]; then
  echo "SKIP: kamailio is not installed (scripts/setup.sh installs it)"
  exit 77
fi
CONFIG="$(cd "$(dirname "$0")" && pwd)/kamailio/proxy-rr.cfg"
init "$@"
CALLS=50

# Starts Kamailio on a free port toward $1 (a sip: URI): sets KAMAILIO_PORT.
start_kamailio() {
  KAMAILIO_PORT=$(free_port)
  mkdir -p kamailio-run
  sed "s/@PORT@/$KAMAILIO_PORT/; s|@NEXT_HOP@|$1|" "$CONFIG" >kamailio.cfg
  "$KAMAILIO" -f kamailio.cfg -DD -E -w "$PWD/kamailio-run" -Y "$PWD/kamailio-run" \
    >kamailio.log 2>&1 &
  KAMAILIO_PID=$!
  BACKGROUND_PIDS+=("$KAMAILIO_PID")
  wait_udp_port "$KAMAILIO_PORT"
}

stop_kamailio() {
  kill -TERM "$KAMAILIO_PID" 2>/dev/null || true
  wait "$KAMAILIO_PID" 2>/dev/null || true
}

# Every BYE was received and sent by our proxy (the text trace).
expect_byes_through_proxy() {
  local byes
  byes=$(grep -c "^BYE sip:" trace.txt || true)
  [ "$byes" -ge $((2 * CALLS)) ] || fail "our proxy saw $byes BYE lines, expected >= $((2 * CALLS))"
  echo "ok: $byes BYE lines in our proxy's trace"
}

echo "== SIPp -> Kamailio -> sippet proxy -> SIPp"
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
start_proxy --to "sip:127.0.0.1:$CALLEE_PORT" --record-route --trace-file trace.txt
start_kamailio "sip:127.0.0.1:$PROXY_PORT"
run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 \
  -rsa "127.0.0.1:$KAMAILIO_PORT"
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"
stop_proxy
stop_kamailio
expect_byes_through_proxy

echo "== SIPp -> sippet proxy -> Kamailio -> SIPp"
rm -f trace.txt
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
start_kamailio "sip:127.0.0.1:$CALLEE_PORT"
start_proxy --to "sip:127.0.0.1:$KAMAILIO_PORT" --record-route --trace-file trace.txt
run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 \
  -rsa "127.0.0.1:$PROXY_PORT"
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"
stop_proxy
stop_kamailio
expect_byes_through_proxy
