#!/usr/bin/env bash
# Transport switching through the stateful proxy with --record-route (RFC
# 3261 §16.6 step 4, RFC 5658's double Record-Route): SIPp over UDP -> our
# proxy -> SIPp over TCP; SIPp over TCP -> our proxy -> SIPp over UDP; and
# SIPp over UDP -> our proxy -> `sippet serve --mode uas` over TLS (this
# SIPp has no TLS). The caller (scenarios/uac-rr.xml) sends its ACK and BYE
# along the route set: the proxy's trace shows the two Record-Route values
# in the 2xx and every ACK and BYE leaving on the callee's transport. Zero
# failed calls on both sides.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=50

# How many <METHOD> requests (or "SIP/2.0 200" responses) the proxy's trace
# shows sent over <PROTOCOL> to 127.0.0.1:<PORT>.
count_sent() {
  awk -v what="$1" -v header="sent [0-9]+ bytes over $2 [0-9.:]+ -> 127\\\\.0\\\\.0\\\\.1:$3( #[0-9]+)?\$" '
    /^--- / { hit = ($0 ~ header); next }
    hit { if (index($0, what " ") == 1) n++; hit = 0 }
    END { print n + 0 }' trace.txt
}

# Checks one run: calls on both sides, the double Record-Route in the 2xx
# the caller got, ACK and BYE over <PROTOCOL> to <PORT>.
check_run() {
  local protocol=$1 port=$2 tcp_rr=$3
  expect_all_calls_ok "$CALLS"
  grep -q "^Record-Route: <sip:127.0.0.1:$PROXY_PORT;$tcp_rr;lr>" trace.txt ||
    fail "no Record-Route naming the $tcp_rr side"
  grep -q "^Record-Route: <sip:127.0.0.1:$PROXY_PORT;lr>" trace.txt ||
    fail "no Record-Route naming the UDP side"
  local acks byes
  acks=$(count_sent ACK "$protocol" "$port")
  byes=$(count_sent BYE "$protocol" "$port")
  [ "$acks" = "$CALLS" ] && [ "$byes" -ge "$CALLS" ] ||
    fail "$acks ACK and $byes BYE sent over $protocol to the callee, $CALLS expected"
  echo "ok: $acks ACK, $byes BYE over $protocol along the recorded route"
}

echo "== UDP -> proxy -> TCP"
CALLEE_TRANSPORT=tcp start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
PROXY_TRANSPORTS="udp tcp" start_proxy --record-route --trace-file trace.txt \
  --to "sip:127.0.0.1:$CALLEE_PORT;transport=tcp"
run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 \
  -rsa "127.0.0.1:$PROXY_PORT"
expect_callee_ok "$CALLS"
stop_proxy
check_run TCP "$CALLEE_PORT" transport=tcp

echo "== TCP -> proxy -> UDP"
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
PROXY_TRANSPORTS="udp tcp" start_proxy --record-route --trace-file trace.txt \
  --to "sip:127.0.0.1:$CALLEE_PORT"
run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 -t t1 \
  -rsa "127.0.0.1:$PROXY_PORT"
expect_callee_ok "$CALLS"
stop_proxy
check_run UDP "$CALLEE_PORT" transport=tcp

echo "== UDP -> proxy -> TLS (sippet serve --mode uas)"
mkdir tls
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout tls/key.pem -out tls/cert.pem \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >openssl.log 2>&1 ||
  { cat openssl.log >&2; fail "openssl could not make a certificate"; }
TLS=(--tls-cert tls/cert.pem --tls-key tls/key.pem --tls-ca tls/cert.pem)
SERVE_PROTOCOL=tls start_serve --threads 2 "${TLS[@]}" --trace-file uas_trace.txt
PROXY_TRANSPORTS="udp tls" start_proxy --record-route --trace-file trace.txt "${TLS[@]}" \
  --to "sip:127.0.0.1:$SERVE_PORT;transport=tls"
run_sipp_to "127.0.0.1:$SERVE_PORT" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 \
  -rsa "127.0.0.1:$PROXY_PORT"
stop_proxy
stop_serve
check_run TLS "$SERVE_PORT" transport=tls
