#!/usr/bin/env bash
# SIPp's uac through `sippet serve --mode proxy` (transaction stateful, then
# --stateless): to a SIPp callee (scenarios/uas-200.xml, with
# Record-Route) and to `sippet serve --mode uas`. Zero failed calls on both
# sides. The uac's Request-URI names the callee; -rsa sends to the proxy.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=100
for mode in stateful stateless; do
  args=()
  [ "$mode" = stateless ] && args=(--stateless)
  echo "== $mode proxy -> SIPp uas-200.xml"
  start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
  start_proxy --to "sip:127.0.0.1:$CALLEE_PORT" --record-route "${args[@]}"
  run_sipp_to "127.0.0.1:$CALLEE_PORT" "$CALLS" -sn uac -r 100 -rsa "127.0.0.1:$PROXY_PORT"
  expect_all_calls_ok "$CALLS"
  expect_callee_ok "$CALLS"
  stop_proxy

  echo "== $mode proxy -> sippet serve --mode uas"
  start_serve --threads 2
  start_proxy --to "sip:127.0.0.1:$SERVE_PORT" "${args[@]}"
  run_sipp_to "127.0.0.1:$SERVE_PORT" "$CALLS" -sn uac -r 100 -rsa "127.0.0.1:$PROXY_PORT"
  expect_all_calls_ok "$CALLS"
  stop_proxy
  stop_serve
done
