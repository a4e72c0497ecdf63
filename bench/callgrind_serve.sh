#!/usr/bin/env bash
# Instructions per call of `sippet serve --mode uas` under SIPp's uac
# scenario, counted by callgrind (the same count every run, unlike a timing
# on a shared machine). Two runs, of N and 2N calls; the difference divided
# by N leaves out start-up and shutdown.
#   bench/callgrind_serve.sh [SIPPET_BINARY] [N]
# TRANSPORT (udp): udp; tcp (SIPp -t t1: one connection for every call);
# tls (SIPp over UDP -> Kamailio with bench/anchors/kamailio/tls-relay.cfg ->
# one TLS connection -> sippet, as in bench/load_tcp.sh; one call before
# the counted ones makes the connection, so no handshake is counted).
# RATE (10) calls/s; PORT (5093; tls: the relay takes PORT+1 and PORT+2).
set -euo pipefail
cd "$(dirname "$0")/.."
sippet=${1:-build/release/apps/sippet/sippet}
calls=${2:-100}
rate=${RATE:-10}
port=${PORT:-5093}
transport=${TRANSPORT:-udp}
work=$(mktemp -d)
relay=""
trap '[ -n "$relay" ] && kill -TERM -- "-$relay" 2>/dev/null; rm -rf "$work"' EXIT
serve_flags=()
target=127.0.0.1:$port
case "$transport" in
  udp) sipp_transport=(-t u1) ss_flags=-lun ;;
  tcp) sipp_transport=(-t t1) ss_flags=-ltn ;;
  tls)
    sipp_transport=(-t u1) ss_flags=-ltn target=127.0.0.1:$((port + 1))
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$work/key.pem" \
      -out "$work/cert.pem" -subj /CN=localhost >/dev/null 2>&1
    serve_flags=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
    sed -e "s/127\.0\.0\.1:5080/127.0.0.1:$((port + 1))/; s/127\.0\.0\.1:5082/127.0.0.1:$((port + 2))/" \
      -e "s/\"127\.0\.0\.1\", 5081/\"127.0.0.1\", $port/; s|/tmp/sippet-anchor-tls|$work|" \
      bench/anchors/kamailio/tls-relay.cfg >"$work/relay.cfg"
    ;;
  *) echo "TRANSPORT: udp, tcp or tls" >&2; exit 2 ;;
esac

# Prints the instructions callgrind counted for one run of `calls` calls.
run() {
  local n=$1 out="$work/callgrind.$1"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$sippet" serve --mode uas --threads 1 \
    --listen "$transport:127.0.0.1:$port" "${serve_flags[@]}" >"$work/serve.log" 2>&1 &
  local pid=$!
  # Wait for the listener (SIPp's OPTIONS would be one more transaction:
  # poll the port instead).
  for _ in $(seq 1 200); do
    ss "$ss_flags" | grep -q ":$port " && break
    sleep 0.1
  done
  if [ "$transport" = tls ]; then
    mkdir -p "$work/relay"
    setsid kamailio -f "$work/relay.cfg" -DD -E -w "$work/relay" -Y "$work/relay" \
      >"$work/relay.log" 2>&1 </dev/null &
    relay=$!
    for _ in $(seq 1 100); do
      ss -lun | grep -q ":$((port + 1)) " && break
      sleep 0.1
    done
    sipp -sn uac "$target" -t u1 -i 127.0.0.1 -p 0 -m 1 -timeout 120s -nostdin \
      >"$work/sipp.log" 2>&1 || true
  fi
  timeout 900 sipp -sn uac "$target" "${sipp_transport[@]}" -i 127.0.0.1 -p 0 -m "$n" -r "$rate" \
    -timeout 840s -timeout_error -nostdin >"$work/sipp.log" 2>&1 ||
    {
      echo "sipp failed (see its log below)" >&2
      tail -20 "$work/sipp.log" >&2
      [ -n "$relay" ] && kill -TERM -- "-$relay" 2>/dev/null
      kill -INT "$pid"
      exit 1
    }
  if [ -n "$relay" ]; then
    kill -TERM -- "-$relay" 2>/dev/null
    wait "$relay" 2>/dev/null || true
    relay=""
  fi
  kill -INT "$pid"
  wait "$pid" || true
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

small=$(run "$calls")
large=$(run $((calls * 2)))
echo "instructions: $small for $calls calls, $large for $((calls * 2)) calls"
echo "instructions per call: $(( (large - small) / calls ))"
