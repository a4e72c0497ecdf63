#!/usr/bin/env bash
# Instructions per call of `sippet serve --mode proxy --stateless` (or the
# stateful proxy with STATEFUL=1) between SIPp's uac and a SIPp callee
# running bench/anchors/sipp/uas-200.xml, counted by callgrind (the same
# count every run, unlike a timing on a shared machine). Two runs, of N and
# 2N calls; the difference divided by N leaves out start-up and shutdown.
# A call is five messages through the proxy (INVITE, 200, ACK, BYE, 200);
# a retransmission (SIPp resends when the proxy under callgrind is slow)
# adds one, so the low default rate.
#   bench/callgrind_proxy.sh [SIPPET_BINARY] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
sippet=${1:-build/release/apps/sippet/sippet}
calls=${2:-100}
rate=${RATE:-10}
port=${PORT:-5095}
callee_port=${CALLEE_PORT:-5096}
mode=(--stateless)
[ "${STATEFUL:-0}" = 1 ] && mode=(--record-route)
work=$(mktemp -d)
callee=""
trap '[ -n "$callee" ] && kill "$callee" 2>/dev/null; rm -rf "$work"' EXIT

wait_udp() {
  for _ in $(seq 1 200); do
    ss -lun | grep -q ":$1 " && return 0
    sleep 0.1
  done
}

# Prints the instructions callgrind counted for one run of `calls` calls.
run() {
  local n=$1 out="$work/callgrind.$1"
  sipp -sf bench/anchors/sipp/uas-200.xml -i 127.0.0.1 -p "$callee_port" -nostdin \
    >"$work/callee.log" 2>&1 &
  callee=$!
  wait_udp "$callee_port"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$sippet" serve --mode proxy "${mode[@]}" --threads 1 --listen "udp:127.0.0.1:$port" \
    --to "sip:127.0.0.1:$callee_port" >"$work/proxy.log" 2>&1 &
  local pid=$!
  wait_udp "$port"
  timeout 900 sipp -sn uac "127.0.0.1:$callee_port" -rsa "127.0.0.1:$port" -i 127.0.0.1 -p 0 \
    -m "$n" -r "$rate" -timeout 840s -timeout_error -nostdin >"$work/sipp.log" 2>&1 ||
    { echo "sipp failed (see its log below)" >&2; tail -20 "$work/sipp.log" >&2; kill -INT "$pid"; exit 1; }
  kill -INT "$pid"
  wait "$pid" || true
  kill "$callee" 2>/dev/null
  wait "$callee" 2>/dev/null || true
  callee=""
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

small=$(run "$calls")
large=$(run $((calls * 2)))
echo "instructions: $small for $calls calls, $large for $((calls * 2)) calls"
echo "instructions per call: $(( (large - small) / calls ))"
