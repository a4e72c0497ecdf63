#!/usr/bin/env bash
# CANCEL of a ringing INVITE (RFC 3261 §9.2): 200 for the CANCEL, 487 for
# the INVITE, then SIPp's ACK for the 487 is absorbed by the transaction.
source "$(dirname "$0")/lib.sh"
init "$@"
start_serve --ring 10000
run_sipp 20 -sf "$SCENARIOS/cancel.xml" -r 20
expect_all_calls_ok 20
stop_serve
