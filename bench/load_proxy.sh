#!/usr/bin/env bash
# Proxy call-load figures: SIPp's built-in `uac` (INVITE/200/ACK/BYE/200,
# the Request-URI naming the callee, sent to the proxy with -rsa) -> the
# proxy under test on 127.0.0.1:PORT -> a SIPp callee running
# bench/anchors/sipp/uas-200.xml on 127.0.0.1:CALLEE_PORT (5070), CALLS
# calls at RATE calls/s, each proxy after the other in the same run:
#   sippet-sl    sippet serve --mode proxy --stateless --to sip:127.0.0.1:5070
#   kamailio-sl  bench/anchors/kamailio/proxy-sl.cfg (forward(), stateless)
#   sippet-tm    sippet serve --mode proxy --record-route --to ... (stateful)
#   kamailio-tm  bench/anchors/kamailio/proxy-tm.cfg (t_relay, record_route)
#   sippet-tm-dns, sippet-sl-dns  sippet-tm and sippet-sl with
#                --to sip:callee.bench.test, located by RFC 3263 (NAPTR ->
#                SRV -> A, TTL 3600 s) against a dnsmasq the script starts
#                on a free loopback port (--dns-server)
#   relay-floor  bench/load/udp_relay_floor.cpp (target udp_relay_floor): a
#                string-built stateless relay on UdpTransport alone, the
#                transport's + kernel's share of a proxied call
#   relay-sockets the same relay on one blocking socket of its own (recv(),
#                sendto()): the kernel's share alone
# Kamailio runs with -m 512 (MiB of shared memory). For each it prints
# successful and failed calls, CPU µs per call of the proxy (user+sys of all
# its processes over the run, divided by the calls), its peak RSS (VmHWM
# summed over its processes), and the ratios sippet/kamailio and, for the
# -dns variants, the ratio to the same proxy with the numeric --to.
#
# A measuring script, never a failing test: it exits 0 whatever the figures.
# Environment: RATE (1000), CALLS (20000), LIMIT (max concurrent calls, 5000),
#   PORT (the proxy's port, 5080: the Kamailio configurations listen there),
#   CALLEE_PORT (5070: where they forward), SERVERS ("sippet-sl kamailio-sl
#   sippet-tm kamailio-tm sippet-tm-dns sippet-sl-dns relay-floor"), ROUNDS (1: runs of the
#   whole SERVERS list, interleaved; the ratios are then of medians), BUILD_DIR (build/release), THREADS (sippet
#   --threads), SIPPET_BIN (another sippet binary), SIPPET_REBUILD=1.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/load/procstat.sh
source bench/load/common.sh

RATE=${RATE:-1000}
CALLS=${CALLS:-20000}
LIMIT=${LIMIT:-5000}
PORT=${PORT:-5080}
CALLEE_PORT=${CALLEE_PORT:-5070}
SERVERS=${SERVERS:-"sippet-sl kamailio-sl sippet-tm kamailio-tm sippet-tm-dns sippet-sl-dns relay-floor"}
BUILD_DIR=${BUILD_DIR:-$root/build/release}
sippet_bin=${SIPPET_BIN:-$BUILD_DIR/apps/sippet/sippet}
work=$(mktemp -d /tmp/sippet-load-proxy.XXXXXX)
run_timeout=$((CALLS / RATE + 60))

log() { echo "load_proxy: $*" >&2; }


# A process group started by start_group, stopped by stop_group.

# start_group VAR LOG PORT command...: runs it in a new session (its process
# group holds all its processes), waits until it listens on PORT; sets VAR
# to the group id.
start_group() {
  local var=$1 logfile=$2 port=$3
  shift 3
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  local pgid=$!
  printf -v "$var" '%s' "$pgid"
  for _ in $(seq 100); do
    udp_port_bound "$port" && return 0
    kill -0 "$pgid" 2>/dev/null || break
    sleep 0.1
  done
  log "$logfile: nothing listens on 127.0.0.1:$port; its end:"
  tail -n 20 "$logfile" >&2
  stop_group "$pgid"
  printf -v "$var" '%s' ""
  return 1
}

proxy_pgid=""
callee_pgid=""
dns_pgid=""
trap 'stop_group "$proxy_pgid"; stop_group "$callee_pgid"; stop_group "$dns_pgid"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# One row: "name successful failed cpu_us_per_call peak_rss_kib note"
results=()
measure() {
  local name=$1
  shift
  if udp_port_bound "$PORT" || udp_port_bound "$CALLEE_PORT"; then
    log "UDP port $PORT or $CALLEE_PORT is busy; skipping $name"
    results+=("$name - - - - busy-port")
    return
  fi
  if ! start_group callee_pgid "$work/$name.callee.log" "$CALLEE_PORT" \
    sipp -sf bench/anchors/sipp/uas-200.xml -i 127.0.0.1 -p "$CALLEE_PORT" -nostdin; then
    results+=("$name - - - - callee-did-not-start")
    return
  fi
  if ! start_group proxy_pgid "$work/$name.proxy.log" "$PORT" "$@"; then
    stop_group "$callee_pgid"
    callee_pgid=""
    results+=("$name - - - - did-not-start")
    return
  fi
  sleep 0.5  # let it settle (workers, children) before the baseline
  local cpu_before cpu_after stats rc client_port
  cpu_before=$(group_cpu_ticks "$proxy_pgid")
  stats=$work/$name.stat.csv
  client_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  timeout --signal=INT --kill-after=10 "$((run_timeout + 15))" \
    sipp -sn uac "127.0.0.1:$CALLEE_PORT" -rsa "127.0.0.1:$PORT" -i 127.0.0.1 -p "$client_port" \
    -r "$RATE" -m "$CALLS" -l "$LIMIT" -nostdin -timeout "${run_timeout}s" -trace_stat \
    -stf "$stats" -fd 1 -stat_delimiter ';' >"$work/$name.sipp.log" 2>&1
  rc=$?
  cpu_after=$(group_cpu_ticks "$proxy_pgid")
  local rss_kib
  rss_kib=$(group_peak_rss_kib "$proxy_pgid")
  stop_group "$proxy_pgid"
  proxy_pgid=""
  stop_group "$callee_pgid"
  callee_pgid=""
  local successful failed
  read -r successful failed < <(sipp_call_counts "$stats")
  local cpu_us
  cpu_us=$(cpu_us_per_call "$((cpu_after - cpu_before))" "$((successful + failed))")
  log "$name: sipp exit $rc, $successful successful, $failed failed"
  results+=("$name $successful $failed $cpu_us $rss_kib ok")
}

install_missing sip-tester kamailio

measure_sippet() {
  local name=$1
  shift
  build_release sippet "$sippet_bin"
  if [ -x "$sippet_bin" ]; then
    local args=(serve --mode proxy --listen "udp:127.0.0.1:$PORT" --to "${to_uri:-sip:127.0.0.1:$CALLEE_PORT}")
    [ -n "${THREADS:-}" ] && args+=(--threads "$THREADS")
    measure "$name" "$sippet_bin" "${args[@]}" "$@"
  else
    results+=("$name - - - - not-built")
  fi
}

measure_kamailio() {
  local cfg=$work/$1.cfg
  sed "s/127\.0\.0\.1:5080/127.0.0.1:$PORT/; s/\"127\.0\.0\.1\", 5070/\"127.0.0.1\", $CALLEE_PORT/; s/127\.0\.0\.1:5070/127.0.0.1:$CALLEE_PORT/" \
    "bench/anchors/kamailio/$2" >"$cfg"
  # -DD: the creator stays in the foreground, children are forked; -E: log to stderr.
  measure "$1" kamailio -f "$cfg" -DD -E -m 512 -w "$work" -Y "$work"
}

measure_relay_floor() {  # NAME [sockets]
  local name=$1 floor_bin=$BUILD_DIR/bench/udp_relay_floor
  shift
  build_bench_target udp_relay_floor
  if [ -x "$floor_bin" ]; then
    measure "$name" "$floor_bin" 127.0.0.1 "$PORT" 127.0.0.1 "$CALLEE_PORT" "$@"
  else
    results+=("$name - - - - not-built")
  fi
}

# The -dns variants' DNS: dnsmasq on a free loopback port (DNS_PORT) with
# write_bench_dnsmasq_conf's records for CALLEE_PORT. Started once, on
# first use.
DNS_PORT=""
start_dns() {
  [ -n "$DNS_PORT" ] && return 0
  command -v dnsmasq >/dev/null || { log "dnsmasq is not installed"; return 1; }
  write_bench_dnsmasq_conf "$work/dnsmasq.conf" "$CALLEE_PORT"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if ! start_group dns_pgid "$work/dnsmasq.log" "$port" \
    dnsmasq --keep-in-foreground --conf-file="$work/dnsmasq.conf" --port="$port"; then
    return 1
  fi
  for _ in $(seq 50); do
    if "$sippet_bin" resolve --dns-server "127.0.0.1:$port" --dns-timeout 100 \
      sip:callee.bench.test >/dev/null 2>&1; then
      DNS_PORT=$port
      return 0
    fi
    sleep 0.1
  done
  log "dnsmasq does not answer on 127.0.0.1:$port"
  return 1
}

measure_sippet_dns() {
  local name=$1
  shift
  if ! [ -x "$sippet_bin" ] || ! start_dns; then
    results+=("$name - - - - no-dns")
    return
  fi
  local to_uri=sip:callee.bench.test  # measure_sippet's --to
  measure_sippet "$name" --dns-server "127.0.0.1:$DNS_PORT" "$@"
}

for server in $(for _ in $(seq "$ROUNDS"); do echo "$SERVERS"; done); do
  case "$server" in
    sippet-sl) measure_sippet sippet-sl --stateless ;;
    sippet-tm) measure_sippet sippet-tm --record-route ;;
    kamailio-sl) measure_kamailio kamailio-sl proxy-sl.cfg ;;
    kamailio-tm) measure_kamailio kamailio-tm proxy-tm.cfg ;;
    sippet-tm-dns) measure_sippet_dns sippet-tm-dns --record-route ;;
    sippet-sl-dns) measure_sippet_dns sippet-sl-dns --stateless ;;
    relay-floor) measure_relay_floor relay-floor ;;
    relay-sockets) measure_relay_floor relay-sockets sockets ;;
    *) log "unknown server $server" ;;
  esac
done

echo
echo "SIPp uac -> proxy on 127.0.0.1:$PORT -> SIPp uas-200.xml on 127.0.0.1:$CALLEE_PORT," \
  "$CALLS calls at $RATE calls/s (limit $LIMIT)"
printf '%-14s %11s %7s %13s %14s  %s\n' proxy successful failed "CPU µs/call" "peak RSS MiB" note
for row in "${results[@]}"; do
  read -r name ok bad cpu rss note <<<"$row"
  rss_mib="-"
  [ "$rss" != "-" ] && rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  [ "$note" = ok ] && note=""
  printf '%-14s %11s %7s %13s %14s  %s\n' "$name" "$ok" "$bad" "$cpu" "$rss_mib" "$note"
  record_cpu "$name" "$cpu"
done
take_medians
for kind in sl tm; do
  if [[ "${cpu_of[sippet-$kind]:--}" != - && "${cpu_of[kamailio-$kind]:--}" != - ]]; then
    awk -v s="${cpu_of[sippet-$kind]}" -v k="${cpu_of[kamailio-$kind]}" -v n="$kind" \
      'BEGIN {if (k > 0) printf "CPU per call, sippet-%s/kamailio-%s: %.3f\n", n, n, s / k}'
  fi
  for floor in relay-floor relay-sockets; do
    if [[ "${cpu_of[$floor]:--}" != - && "${cpu_of[kamailio-$kind]:--}" != - ]]; then
      awk -v f="${cpu_of[$floor]}" -v k="${cpu_of[kamailio-$kind]}" -v n="$kind" -v a="$floor" \
        'BEGIN {if (k > 0) printf "CPU per call, %s/kamailio-%s: %.3f\n", a, n, f / k}'
    fi
  done
  if [[ "${cpu_of[sippet-$kind-dns]:--}" != - && "${cpu_of[sippet-$kind]:--}" != - ]]; then
    awk -v d="${cpu_of[sippet-$kind-dns]}" -v s="${cpu_of[sippet-$kind]}" -v n="$kind" \
      'BEGIN {if (s > 0) printf "CPU per call, sippet-%s-dns/sippet-%s: %.3f\n", n, n, d / s}'
  fi
done
exit 0
