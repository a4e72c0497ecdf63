#!/usr/bin/env bash
# SIPp's built-in uac over TCP against `sippet serve --mode uas` on two
# workers: one connection for every call (-t t1), then one connection per
# call (-t tn). Every call must succeed, and the server must have closed
# nothing in error (its connections all end when SIPp closes them).
source "$(dirname "$0")/lib.sh"
init "$@"
SERVE_PROTOCOL=tcp start_serve --threads 2
run_sipp 500 -sn uac -t t1 -r 200
expect_all_calls_ok 500
run_sipp 300 -sn uac -t tn -max_socket 1000 -r 100
expect_all_calls_ok 300
# Still serving after 300 connections came and went.
"$SIPPET" send --transport tcp "sip:bob@127.0.0.1:$SERVE_PORT" >send.out 2>&1 ||
  { cat send.out >&2; fail "sippet send over TCP after the load"; }
grep -q "SIP/2.0 200" send.out || fail "no 200 to sippet send"
stop_serve
