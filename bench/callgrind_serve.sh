#!/usr/bin/env bash
# Instructions per call of `sippet serve --mode uas` under SIPp's uac
# scenario, counted by callgrind (the same count every run, unlike a timing
# on a shared machine). Two runs, of N and 2N calls; the difference divided
# by N leaves out start-up and shutdown. TRANSPORT=tcp: over TCP, SIPp -t t1
# (one connection for every call).
#   bench/callgrind_serve.sh [SIPPET_BINARY] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
sippet=${1:-build/release/apps/sippet/sippet}
calls=${2:-100}
rate=${RATE:-10}
port=${PORT:-5093}
transport=${TRANSPORT:-udp}
case "$transport" in
  udp) sipp_transport=(-t u1) ss_flags=-lun ;;
  tcp) sipp_transport=(-t t1) ss_flags=-ltn ;;
  *) echo "TRANSPORT: udp or tcp" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the instructions callgrind counted for one run of `calls` calls.
run() {
  local n=$1 out="$work/callgrind.$1"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$sippet" serve --mode uas --threads 1 --listen "$transport:127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  local pid=$!
  # Wait for the listener (SIPp's OPTIONS would be one more transaction:
  # poll the port instead).
  for _ in $(seq 1 200); do
    ss "$ss_flags" | grep -q ":$port " && break
    sleep 0.1
  done
  timeout 900 sipp -sn uac "127.0.0.1:$port" "${sipp_transport[@]}" -i 127.0.0.1 -p 0 -m "$n" -r "$rate" -timeout 840s \
    -timeout_error -nostdin >"$work/sipp.log" 2>&1 ||
    { echo "sipp failed (see its log below)" >&2; tail -20 "$work/sipp.log" >&2; kill -INT "$pid"; exit 1; }
  kill -INT "$pid"
  wait "$pid" || true
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

small=$(run "$calls")
large=$(run $((calls * 2)))
echo "instructions: $small for $calls calls, $large for $((calls * 2)) calls"
echo "instructions per call: $(( (large - small) / calls ))"
