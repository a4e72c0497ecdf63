#!/usr/bin/env bash
# Call-load figures: SIPp's built-in `uac`
# scenario (INVITE/180/200/ACK/BYE) at RATE calls/s for CALLS calls against
# each server under test, one after the other in the same run:
#   sippet    build/release/apps/sippet/sippet serve --mode uas
#   sippet-base the same from another binary, SIPPET_BASE_BIN (e.g. a build
#             of an earlier commit: what a change costs with its feature off)
#   sippet-metrics the same with --metrics on PORT+1, scraped once a second
#             during the run (the scrapes' server side counted, the client not)
#   sippet-trace, sippet-pcap, sippet-hep
#             the same with --trace-file (text, to a file in the work
#             directory), --pcap FILE, or --hep udp:127.0.0.1:HEP_PORT (a
#             UDP sink outside the measured processes takes the copies)
#   kamailio  bench/anchors/kamailio/uas-sl.cfg (stateless 200 to everything)
#   kamailio-180, kamailio-hep
#             uas-sl-180.cfg (180 + 200 to an INVITE, like sippet), and the
#             same with siptrace mirroring every message as HEP3 to the sink
#   sipp-uas  SIPp's own built-in uas (an anchor)
#   udp-floor bench/load/udp_uas_floor.cpp (target udp_uas_floor): string-built answers on
#             UdpTransport alone, the transport's + kernel's share of a call
# For each it prints successful and failed calls, CPU µs per call (user+sys
# of all the server's processes over the run, divided by the calls) and the
# peak RSS (VmHWM summed over its processes), then the ratios sippet/kamailio-180
# (like for like) and sippet/kamailio.
#
# A measuring script, never a failing test: it exits 0 whatever the figures.
# Environment: RATE (1000), CALLS (20000), LIMIT (max concurrent calls, 2000),
#   PORT (server port, 5080; the metrics port is PORT+1 over TCP),
#   SERVERS ("sippet kamailio-180 kamailio udp-floor"; a name may repeat),
#   ROUNDS (1: how many times the whole SERVERS list runs, interleaved; the
#   ratios are then of each server's median),
#   BUILD_DIR (Release build tree, build/release),
#   THREADS (sippet --threads, unset: its default), SIPPET_REBUILD=1,
#   SERVE_ARGS (more `sippet serve` options for every sippet server),
#   HEP_PORT (the HEP sink's port, 9060),
#   SIPPET_BIN (another sippet binary; default $BUILD_DIR/apps/sippet/sippet).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/load/procstat.sh
source bench/load/common.sh

RATE=${RATE:-1000}
CALLS=${CALLS:-20000}
LIMIT=${LIMIT:-2000}
PORT=${PORT:-5080}
HEP_PORT=${HEP_PORT:-9060}
SERVERS=${SERVERS:-"sippet kamailio-180 kamailio udp-floor"}
BUILD_DIR=${BUILD_DIR:-$root/build/release}
sippet_bin=${SIPPET_BIN:-$BUILD_DIR/apps/sippet/sippet}
work=$(mktemp -d /tmp/sippet-load.XXXXXX)
# Wall-clock bound of one sipp run: the calls at RATE, plus slack.
run_timeout=$((CALLS / RATE + 60))

log() { echo "load: $*" >&2; }


# A UDP sink for HEP copies (its CPU is the capture server's, not counted).
sink_pid=""
start_hep_sink() {
  [ -n "$sink_pid" ] && return 0
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(70000)
' "$HEP_PORT" &
  sink_pid=$!
  for _ in $(seq 50); do
    udp_port_bound "$HEP_PORT" && return 0
    sleep 0.1
  done
  log "the HEP sink did not bind 127.0.0.1:$HEP_PORT"
}

server_pgid=""
stop_server() {
  stop_group "$server_pgid"
  server_pgid=""
}
trap 'stop_server; [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Starts "$@" in a new session (so its process group holds all its
# processes) and waits until it listens on PORT.
start_server() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.server.log" 2>&1 </dev/null &
  server_pgid=$!
  for _ in $(seq 100); do
    udp_port_bound "$PORT" && return 0
    kill -0 "$server_pgid" 2>/dev/null || break
    sleep 0.1
  done
  log "$name did not start listening on 127.0.0.1:$PORT; its log:"
  tail -n 20 "$work/$name.server.log" >&2
  stop_server
  return 1
}

# GET /metrics on 127.0.0.1:$1 once a second, over bash's /dev/tcp;
# counts the answers in $work/scrapes, keeps the last in $work/scrape.last.
SCRAPE_PORT=""
scrape_every_second() {
  local port=$1 n=0
  while :; do
    if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
      printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3
      timeout 5 cat <&3 >"$work/scrape.last"
      exec 3<&-
      head -n 1 "$work/scrape.last" | grep -q ' 200 ' && n=$((n + 1))
      echo "$n" >"$work/scrapes"
    fi
    sleep 1
  done
}

# One row: "name successful failed cpu_us_per_call peak_rss_kib"
results=()
measure() {
  local name=$1
  shift
  if udp_port_bound "$PORT"; then
    log "UDP port $PORT is busy; skipping $name (set PORT=...)"
    results+=("$name - - - - busy-port")
    return
  fi
  if ! start_server "$name" "$@"; then
    results+=("$name - - - - did-not-start")
    return
  fi
  sleep 0.5  # let it settle (workers, children) before the baseline
  local cpu_before cpu_after stats rc
  cpu_before=$(group_cpu_ticks "$server_pgid")
  stats=$work/$name.stat.csv
  local client_port
  client_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local scraper=""
  if [ -n "$SCRAPE_PORT" ]; then
    echo 0 >"$work/scrapes"
    scrape_every_second "$SCRAPE_PORT" &
    scraper=$!
  fi
  timeout --signal=INT --kill-after=10 "$((run_timeout + 15))" \
    sipp -sn uac "127.0.0.1:$PORT" -i 127.0.0.1 -p "$client_port" -r "$RATE" -m "$CALLS" -l "$LIMIT" \
    -nostdin -timeout "${run_timeout}s" -trace_stat -stf "$stats" -fd 1 \
    -stat_delimiter ';' >"$work/$name.sipp.log" 2>&1
  rc=$?
  cpu_after=$(group_cpu_ticks "$server_pgid")
  if [ -n "$scraper" ]; then
    kill "$scraper" 2>/dev/null
    wait "$scraper" 2>/dev/null
    log "$name: $(cat "$work/scrapes") scrapes answered 200 during the run; the last: $(grep -F \
      'sippet_requests_received_total{method="INVITE"}' "$work/scrape.last" 2>/dev/null)"
  fi
  local rss_kib
  rss_kib=$(group_peak_rss_kib "$server_pgid")
  stop_server
  local successful failed
  read -r successful failed < <(sipp_call_counts "$stats")
  local cpu_us
  cpu_us=$(cpu_us_per_call "$((cpu_after - cpu_before))" "$((successful + failed))")
  log "$name: sipp exit $rc, $successful successful, $failed failed"
  results+=("$name $successful $failed $cpu_us $rss_kib ok")
}

install_missing sip-tester kamailio

# measure_sippet NAME [serve options...]
measure_sippet() {
  local name=$1
  shift
  [ -z "${SIPPET_NO_BUILD:-}" ] && build_release sippet "$sippet_bin"
  if [ -x "$sippet_bin" ]; then
    local args=(serve --mode uas --listen "udp:127.0.0.1:$PORT")
    [ -n "${THREADS:-}" ] && args+=(--threads "$THREADS")
    # shellcheck disable=SC2206
    [ -n "${SERVE_ARGS:-}" ] && args+=($SERVE_ARGS)
    measure "$name" "$sippet_bin" "${args[@]}" "$@"
  else
    results+=("$name - - - - not-built")
  fi
}

# measure_kamailio NAME CONFIG
measure_kamailio() {
  local cfg=$work/$1.cfg
  sed "s/127\.0\.0\.1:5080/127.0.0.1:$PORT/; s/127\.0\.0\.1:9060/127.0.0.1:$HEP_PORT/" \
    "bench/anchors/kamailio/$2" >"$cfg"
  # -DD: the creator stays in the foreground, children are forked; -E: log to stderr.
  measure "$1" kamailio -f "$cfg" -DD -E -w "$work" -Y "$work"
}

for server in $(for _ in $(seq "$ROUNDS"); do echo "$SERVERS"; done); do
  case "$server" in
    sippet) measure_sippet sippet ;;
    sippet-base)
      if [ -x "${SIPPET_BASE_BIN:-}" ]; then
        sippet_bin=$SIPPET_BASE_BIN SIPPET_NO_BUILD=1 measure_sippet sippet-base
      else
        results+=("sippet-base - - - - no-SIPPET_BASE_BIN")
      fi
      ;;
    sippet-metrics)
      SCRAPE_PORT=$((PORT + 1))
      measure_sippet sippet-metrics --metrics "tcp:127.0.0.1:$SCRAPE_PORT"
      SCRAPE_PORT=""
      ;;
    sippet-trace) measure_sippet sippet-trace --trace-file "$work/trace.txt" ;;
    sippet-pcap) measure_sippet sippet-pcap --pcap "$work/capture.pcap" ;;
    sippet-hep)
      start_hep_sink
      measure_sippet sippet-hep --hep "udp:127.0.0.1:$HEP_PORT"
      ;;
    kamailio) measure_kamailio kamailio uas-sl.cfg ;;
    kamailio-180) measure_kamailio kamailio-180 uas-sl-180.cfg ;;
    kamailio-hep)
      start_hep_sink
      measure_kamailio kamailio-hep uas-sl-180-hep.cfg
      ;;
    sipp-uas)
      measure sipp-uas sipp -sn uas -i 127.0.0.1 -p "$PORT" -nostdin
      ;;
    udp-floor)
      floor_bin=$BUILD_DIR/bench/udp_uas_floor
      build_bench_target udp_uas_floor
      if [ -x "$floor_bin" ]; then
        measure udp-floor "$floor_bin" 127.0.0.1 "$PORT"
      else
        results+=("udp-floor - - - - not-built")
      fi
      ;;
    *) log "unknown server $server" ;;
  esac
done

echo
echo "SIPp uac, $CALLS calls at $RATE calls/s (limit $LIMIT), server on 127.0.0.1:$PORT"
printf '%-15s %11s %7s %13s %14s  %s\n' server successful failed "CPU µs/call" "peak RSS MiB" note
for row in "${results[@]}"; do
  read -r name ok bad cpu rss note <<<"$row"
  rss_mib="-"
  [ "$rss" != "-" ] && rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  [ "$note" = ok ] && note=""
  printf '%-15s %11s %7s %13s %14s  %s\n' "$name" "$ok" "$bad" "$cpu" "$rss_mib" "$note"
  record_cpu "$name" "$cpu"
done
take_medians
for anchor in kamailio-180 kamailio; do
  if [[ "${cpu_of[sippet]:--}" != - && "${cpu_of[$anchor]:--}" != - ]]; then
    awk -v s="${cpu_of[sippet]}" -v k="${cpu_of[$anchor]}" -v a="$anchor" \
      'BEGIN {if (k > 0) printf "CPU per call, sippet/%s: %.3f\n", a, s / k}'
  fi
done
for pair in sippet:sippet-base sippet-metrics:sippet sippet-trace:sippet sippet-pcap:sippet sippet-hep:sippet kamailio-hep:kamailio-180; do
  a=${pair%%:*} b=${pair##*:}
  if [[ "${cpu_of[$a]:--}" != - && "${cpu_of[$b]:--}" != - ]]; then
    awk -v x="${cpu_of[$a]}" -v y="${cpu_of[$b]}" -v a="$a" -v b="$b" \
      'BEGIN {printf "%s - %s: %+.1f µs per call (%.2f times)\n", a, b, x - y, (y > 0 ? x / y : 0)}'
  fi
done
exit 0
