#!/usr/bin/env bash
# CANCEL through the proxy (RFC 3261 §16.10): SIPp's INVITE rings at
# `sippet serve --mode uas --ring 10000`, SIPp cancels; stateful, the proxy
# answers the CANCEL and cancels its branch; stateless, it passes the CANCEL
# on with the INVITE's branch (§16.11). Either way: 200 for the CANCEL, 487
# for the INVITE, ACK.
source "$(dirname "$0")/lib.sh"
init "$@"
for mode in stateful stateless; do
  args=()
  [ "$mode" = stateless ] && args=(--stateless)
  echo "== $mode"
  start_serve --ring 10000
  start_proxy --to "sip:127.0.0.1:$SERVE_PORT" "${args[@]}"
  run_sipp_to "127.0.0.1:$SERVE_PORT" 20 -sf "$SCENARIOS/cancel.xml" -r 20 \
    -rsa "127.0.0.1:$PROXY_PORT"
  expect_all_calls_ok 20
  stop_proxy
  stop_serve
done
