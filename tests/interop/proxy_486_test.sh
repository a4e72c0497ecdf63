#!/usr/bin/env bash
# A busy callee through the proxy: SIPp's 486 reaches the SIPp caller, and
# each hop is ACKed (the callee's scenario fails without its ACK: the
# proxy's client transaction sends it when stateful, the caller's is passed
# on when stateless).
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=20
for mode in stateful stateless; do
  args=()
  [ "$mode" = stateless ] && args=(--stateless)
  echo "== $mode"
  start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-486.xml"
  start_proxy --to "sip:127.0.0.1:$CALLEE_PORT" "${args[@]}"
  run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sf "$SCENARIOS/invite_486.xml" -r 20 \
    -rsa "127.0.0.1:$PROXY_PORT"
  expect_all_calls_ok "$CALLS"
  expect_callee_ok "$CALLS"
  stop_proxy
done
