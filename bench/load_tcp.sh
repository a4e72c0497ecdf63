#!/usr/bin/env bash
# Connection-oriented load figures, in one run (a measuring script: it
# always exits 0):
#   sippet-tcp     sippet serve --mode uas --listen tcp:127.0.0.1:PORT, SIPp -t t1
#   kamailio-tcp   bench/anchors/kamailio/uas-sl-180.cfg on TCP, SIPp -t t1
#   sippet-tls     SIPp (UDP) -> Kamailio tls-relay.cfg -> TLS -> sippet serve --listen tls:
#   kamailio-tls   the same chain to bench/anchors/kamailio/uas-tls.cfg
#   floor-tcp, floor-tls  bench/load/stream_uas_floor.cpp (target
#                  stream_uas_floor): string-built answers on the stream
#                  transport alone, in place of sippet (the transport's,
#                  OpenSSL's and the kernel's share of a call; no idle run)
# CPU µs per call (user+sys of the UAS's processes only, the relay is not
# counted) and peak RSS over CALLS calls at RATE calls/s (SIPp's uac:
# INVITE/180/200/ACK/BYE); then the memory of IDLE idle connections to
# each UAS (TCP: connected sockets; TLS: handshakes done), as the growth
# of the UAS's proportional set size (Pss, so Kamailio's forked children
# sharing memory are not counted twice), per 1000 connections made
# (connections refused or handshakes failed are left out and the count made
# is printed).
# Environment: RATE (1000), CALLS (20000), LIMIT (2000), PORT (5080; the
# relay uses PORT+2 and PORT+3), IDLE (1000), SERVERS (all six), ROUNDS (1:
# runs of the call load over all SERVERS, interleaved; the ratios are then of
# medians; the idle-memory figures are taken once),
# BUILD_DIR (build/release), THREADS (sippet --threads).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/load/procstat.sh
source bench/load/common.sh

RATE=${RATE:-1000}
CALLS=${CALLS:-20000}
LIMIT=${LIMIT:-2000}
PORT=${PORT:-5080}
IDLE=${IDLE:-1000}
SERVERS=${SERVERS:-"sippet-tcp kamailio-tcp sippet-tls kamailio-tls floor-tcp floor-tls"}
BUILD_DIR=${BUILD_DIR:-$root/build/release}
sippet_bin=$BUILD_DIR/apps/sippet/sippet
floor_bin=$BUILD_DIR/bench/stream_uas_floor
work=$(mktemp -d /tmp/sippet-load-tcp.XXXXXX)
run_timeout=$((CALLS / RATE + 60))
RELAY_UDP=$((PORT + 2))
RELAY_TLS=$((PORT + 3))

log() { echo "load_tcp: $*" >&2; }

tcp_port_bound() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v h=":$hex" 'NR > 1 && substr($2, length($2) - 4) == h && $4 == "0A" {found = 1}
    END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Sum of Pss (KiB) of the group's processes.
group_pss_kib() {
  local total=0 pid kib
  for pid in $(group_pids "$1"); do
    kib=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

groups=()
start_group() {  # NAME WAIT_TCP_PORT COMMAND...: sets last_group
  local name=$1 port=$2
  shift 2
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  last_group=$!
  groups+=("$last_group")
  for _ in $(seq 100); do
    tcp_port_bound "$port" && return 0
    kill -0 "$last_group" 2>/dev/null || break
    sleep 0.1
  done
  log "$name did not listen on TCP port $port; its log:"
  tail -n 20 "$work/$name.log" >&2
  return 1
}
trap 'for g in "${groups[@]}"; do stop_group "$g"; done; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$work/tls/key.pem" \
  -out "$work/tls/cert.pem" -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1

kamailio_cfg() {  # CONFIG -> a copy with the run's ports and certificate
  # Through placeholders, so that no replacement is replaced again.
  sed -e 's/127\.0\.0\.1:5080/@UDP@/; s/127\.0\.0\.1:5081/@UAS@/; s/127\.0\.0\.1:5082/@TLS@/' \
    -e 's/"127\.0\.0\.1", 5081/"127.0.0.1", @UASPORT@/' \
    -e "s/@UDP@/127.0.0.1:$3/; s/@UAS@/127.0.0.1:$PORT/; s/@TLS@/127.0.0.1:$RELAY_TLS/" \
    -e "s/@UASPORT@/$PORT/; s|/tmp/sippet-anchor-tls|$work/tls|" \
    "bench/anchors/kamailio/$1" >"$work/$2"
  echo "$work/$2"
}

start_uas() {  # NAME: starts the UAS of NAME on PORT; sets uas_group
  local name=$1 cfg threads=()
  [ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
  # The idle connections all come from 127.0.0.1: beyond sippet's default
  # per-address limit (100).
  local per_address=(--max-connections-per-address "$((IDLE + 100))")
  case "$name" in
    sippet-tcp)
      start_group "$name" "$PORT" "$sippet_bin" serve --mode uas \
        --listen "tcp:127.0.0.1:$PORT" "${per_address[@]}" "${threads[@]}" ;;
    sippet-tls)
      start_group "$name" "$PORT" "$sippet_bin" serve --mode uas --listen "tls:127.0.0.1:$PORT" \
        --tls-cert "$work/tls/cert.pem" --tls-key "$work/tls/key.pem" "${per_address[@]}" \
        "${threads[@]}" ;;
    floor-tcp)
      start_group "$name" "$PORT" "$floor_bin" tcp 127.0.0.1 "$PORT" ;;
    floor-tls)
      start_group "$name" "$PORT" "$floor_bin" tls 127.0.0.1 "$PORT" "$work/tls/cert.pem" \
        "$work/tls/key.pem" ;;
    kamailio-tcp)
      cfg=$(kamailio_cfg uas-sl-180.cfg uas-tcp.cfg "$PORT")
      start_group "$name" "$PORT" kamailio -f "$cfg" -DD -E -w "$work" -Y "$work" ;;
    kamailio-tls)
      cfg=$(kamailio_cfg uas-tls.cfg uas-tls.cfg "$PORT")
      start_group "$name" "$PORT" kamailio -f "$cfg" -DD -E -w "$work" -Y "$work" ;;
  esac || return 1
  uas_group=$last_group
}

results=()
measure_calls() {
  local name=$1 target sipp_transport=(-t t1) relay=""
  start_uas "$name" || { results+=("$name - - - - did-not-start"); return; }
  target=127.0.0.1:$PORT
  if [[ "$name" == *-tls ]]; then
    local cfg
    cfg=$(kamailio_cfg tls-relay.cfg relay.cfg "$RELAY_UDP")
    mkdir -p "$work/relay"
    start_group relay "$RELAY_TLS" kamailio -f "$cfg" -DD -E -w "$work/relay" -Y "$work/relay" ||
      { stop_group "$uas_group"; results+=("$name - - - - relay-did-not-start"); return; }
    relay=$last_group
    target=127.0.0.1:$RELAY_UDP
    # SIPp's UDP socket gets 4 MiB of buffer (the kernel's rmem_max here):
    # with its default 64 KiB, the relay's answers, coming in bursts when
    # the loaded machine delays a process, overflowed it (the kernel's
    # UdpRcvbufErrors rose with every lost call) and the calls whose 180
    # and 200 were dropped failed.
    sipp_transport=(-t u1 -buff_size 4194304)
  fi
  sleep 0.5
  local before after stats=$work/$name.stat.csv
  before=$(group_cpu_ticks "$uas_group")
  timeout --signal=INT --kill-after=10 "$((run_timeout + 15))" \
    sipp -sn uac "$target" "${sipp_transport[@]}" -i 127.0.0.1 -r "$RATE" -m "$CALLS" \
    -l "$LIMIT" -max_socket 1000 -nostdin -timeout "${run_timeout}s" -trace_stat -stf "$stats" \
    -fd 1 -stat_delimiter ';' >"$work/$name.sipp.log" 2>&1
  after=$(group_cpu_ticks "$uas_group")
  local rss
  rss=$(group_peak_rss_kib "$uas_group")
  [ -n "$relay" ] && stop_group "$relay"
  stop_group "$uas_group"
  local ok failed
  read -r ok failed < <(sipp_call_counts "$stats")
  local cpu
  cpu=$(cpu_us_per_call "$((after - before))" "$((ok + failed))")
  results+=("$name $ok $failed $cpu $rss ok")
}

idle=()
measure_idle() {
  local name=$1
  start_uas "$name" || { idle+=("$name - - did-not-start"); return; }
  sleep 0.5
  local before after
  before=$(group_pss_kib "$uas_group")
  # Opens IDLE connections (TLS: handshakes completed), holds them while the
  # UAS's memory is read, then closes them.
  python3 - "$PORT" "$IDLE" "$([[ $name == *-tls ]] && echo tls || echo tcp)" \
    "$work/ready" "$work/done" <<'PY' &
import os, socket, ssl, sys, time
port, count, kind, ready, done = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
conns = []
for _ in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if kind == "tls":
            s = context.wrap_socket(s, server_hostname="localhost")
        conns.append(s)
    except OSError:
        pass  # refused or a failed handshake: not counted
with open(ready, "w") as f:
    f.write(str(len(conns)))
for _ in range(600):
    if os.path.exists(done):
        break
    time.sleep(0.1)
PY
  local client=$!
  for _ in $(seq 600); do [ -f "$work/ready" ] && break; sleep 0.1; done
  sleep 1  # let the UAS finish accepting and reading
  after=$(group_pss_kib "$uas_group")
  local made
  made=$(cat "$work/ready" 2>/dev/null)
  touch "$work/done"
  wait "$client" 2>/dev/null
  rm -f "$work/ready" "$work/done"
  stop_group "$uas_group"
  idle+=("$name $before $after ${made:-0}")
}

install_missing sip-tester kamailio kamailio-tls-modules
build_release sippet "$sippet_bin"
[[ " $SERVERS " == *" floor-"* ]] && build_bench_target stream_uas_floor

for _ in $(seq "$ROUNDS"); do
  for server in $SERVERS; do measure_calls "$server"; done
done
for server in $SERVERS; do [[ "$server" == floor-* ]] || measure_idle "$server"; done

echo "calls: $CALLS at $RATE/s (SIPp uac; TCP -t t1; TLS through a Kamailio relay, UAS CPU only)"
printf '%-14s %10s %7s %13s %14s\n' server successful failed "CPU µs/call" "peak RSS MiB"
for row in "${results[@]}"; do
  read -r name ok bad cpu rss note <<<"$row"
  rss_mib="-"
  [ "$rss" != "-" ] && rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  [ "$note" = ok ] && note=""
  printf '%-14s %10s %7s %13s %14s  %s\n' "$name" "$ok" "$bad" "$cpu" "$rss_mib" "$note"
  record_cpu "$name" "$cpu"
done
take_medians
for kind in tcp tls; do
  s=${cpu_of[sippet-$kind]:--} k=${cpu_of[kamailio-$kind]:--}
  [[ "$s" != - && "$k" != - ]] &&
    awk -v s="$s" -v k="$k" -v t="$kind" 'BEGIN {if (k > 0) printf "CPU per call over %s, sippet/kamailio: %.3f\n", t, s / k}'
  f=${cpu_of[floor-$kind]:--}
  [[ "$f" != - && "$k" != - ]] &&
    awk -v f="$f" -v k="$k" -v t="$kind" 'BEGIN {if (k > 0) printf "CPU per call over %s, floor/kamailio: %.3f\n", t, f / k}'
done
echo "idle connections: $IDLE (Pss of the UAS, KiB)"
printf '%-14s %10s %10s %8s %16s\n' server before after made "KiB per 1000"
for row in "${idle[@]}"; do
  read -r name before after made <<<"$row"
  per="-"
  [ "$after" != "-" ] && [ "$after" != did-not-start ] && [ "${made:-0}" -gt 0 ] &&
    per=$(awk -v a="$after" -v b="$before" -v n="$made" 'BEGIN {printf "%.0f", (a - b) * 1000 / n}')
  printf '%-14s %10s %10s %8s %16s\n' "$name" "$before" "$after" "${made:-0}" "$per"
done
exit 0
