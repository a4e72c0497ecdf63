#!/usr/bin/env bash
# Instructions per call of `sippet serve --mode proxy` with a numeric --to
# and with --to sip:callee.bench.test located by RFC 3263 (NAPTR -> SRV ->
# A, TTL an hour, from a dnsmasq this script starts on a free loopback
# port), stateful (--record-route) and --stateless, counted by callgrind
# (the same count every run, unlike CPU time on a shared machine). SIPp's
# uac -> the proxy -> SIPp uas-200.xml. Two runs per case, of N and 2N
# calls; the difference divided by N leaves out start-up, shutdown and the
# first (cold) lookup.
#   bench/callgrind_proxy_dns.sh [SIPPET_BINARY] [N]
# Environment: RATE (20), PORT (5094), CALLEE_PORT (5095), CASES
# ("tm tm-dns sl sl-dns"), KEEP (a directory to copy the callgrind
# outputs to, for callgrind_annotate). A measuring script: it exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/load/common.sh
sippet=$(realpath "${1:-build/release/apps/sippet/sippet}")
calls=${2:-200}
rate=${RATE:-20}
port=${PORT:-5094}
callee_port=${CALLEE_PORT:-5095}
cases=${CASES:-"tm tm-dns sl sl-dns"}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_udp() {
  for _ in $(seq 1 200); do
    ss -lun | grep -q "127.0.0.1:$1 " && return 0
    sleep 0.1
  done
  return 1
}

dns_port=$(free_port)
write_bench_dnsmasq_conf "$work/dnsmasq.conf" "$callee_port"
dnsmasq --keep-in-foreground --conf-file="$work/dnsmasq.conf" --port="$dns_port" \
  >"$work/dnsmasq.log" 2>&1 &
pids+=($!)
wait_udp "$dns_port" || { echo "dnsmasq did not start"; exit 0; }
if ss -lun | grep -qE "127.0.0.1:($port|$callee_port) "; then
  echo "UDP port $port or $callee_port is busy"
  exit 0
fi
sipp -sf bench/anchors/sipp/uas-200.xml -i 127.0.0.1 -p "$callee_port" -nostdin \
  >"$work/callee.log" 2>&1 &
pids+=($!)
wait_udp "$callee_port" || { echo "the SIPp callee did not start"; exit 0; }

# Prints the instructions callgrind counted for `calls` calls of one case.
run() {
  local kind=$1 n=$2 out="$work/callgrind.$1.$2"
  local args=(serve --mode proxy --threads 1 --listen "udp:127.0.0.1:$port")
  case "$kind" in
    tm*) args+=(--record-route) ;;
    sl*) args+=(--stateless) ;;
  esac
  case "$kind" in
    *-dns) args+=(--to sip:callee.bench.test --dns-server "127.0.0.1:$dns_port") ;;
    *) args+=(--to "sip:127.0.0.1:$callee_port") ;;
  esac
  valgrind --tool=callgrind --callgrind-out-file="$out" "$sippet" "${args[@]}" \
    >"$work/serve.log" 2>&1 &
  local pid=$!
  wait_udp "$port" || { kill -INT "$pid"; echo 0; return; }
  timeout 900 sipp -sn uac "127.0.0.1:$callee_port" -rsa "127.0.0.1:$port" -i 127.0.0.1 -p 0 \
    -m "$n" -r "$rate" -timeout 840s -timeout_error -nostdin >"$work/sipp.$kind.$n.log" 2>&1 ||
    echo "sipp failed for $kind ($n calls): $(tail -3 "$work/sipp.$kind.$n.log")" >&2
  kill -INT "$pid"
  wait "$pid" 2>/dev/null
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$out" "$KEEP/"
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

declare -A per_call
for kind in $cases; do
  small=$(run "$kind" "$calls")
  large=$(run "$kind" $((calls * 2)))
  per_call[$kind]=$(( (large - small) / calls ))
  echo "$kind: $small instructions for $calls calls, $large for $((calls * 2)); per call: ${per_call[$kind]}"
done
for kind in tm sl; do
  if [ -n "${per_call[$kind]:-}" ] && [ -n "${per_call[$kind-dns]:-}" ]; then
    awk -v d="${per_call[$kind-dns]}" -v n="${per_call[$kind]}" -v k="$kind" \
      'BEGIN {if (n > 0) printf "instructions per call, %s-dns/%s: %.3f\n", k, k, d / n}'
  fi
done
exit 0
