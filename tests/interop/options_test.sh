#!/usr/bin/env bash
# OPTIONS (a non-INVITE server transaction) answered 200 with a To tag.
source "$(dirname "$0")/lib.sh"
init "$@"
start_serve
run_sipp 50 -sf "$SCENARIOS/options.xml" -r 50
expect_all_calls_ok 50
stop_serve
