#!/usr/bin/env bash
# SIPp's built-in uac (INVITE / 180 / 200 / ACK / BYE / 200) against
# `sippet serve --mode uas`, on two workers: every call must succeed.
source "$(dirname "$0")/lib.sh"
init "$@"
start_serve --threads 2
run_sipp 500 -sn uac -r 200
expect_all_calls_ok 500
stop_serve
