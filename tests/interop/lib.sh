# Shared helpers for the SIPp interop tests (sourced, not a test itself).
# Usage in a test: source lib.sh; init "$@"; start_serve [args...]; ...
set -euo pipefail

SCENARIOS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/scenarios"

init() {
  SIPPET=$(realpath "${1:?usage: $0 <sippet binary> <sipp binary>}")
  SIPP=${2:-sipp}
  case "$SIPP" in */*) SIPP=$(realpath "$SIPP") ;; esac
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sippet-interop.XXXXXX")
  SERVE_PID=""
  BACKGROUND_PIDS=()
  trap cleanup EXIT
  cd "$WORK"
}

cleanup() {
  local pid
  for pid in "${BACKGROUND_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  # Process groups a test started with setsid (e.g. Kamailio and its children).
  for group in ${EXTRA_GROUPS:-}; do
    kill -TERM -- "-$group" 2>/dev/null || true
    wait "$group" 2>/dev/null || true
  done
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; fi
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A port on 127.0.0.1 that no UDP or TCP socket uses right now (listening or
# connected: an outgoing connection's ephemeral port blocks a listener too).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! ss -Hantu "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Starts `sippet serve --mode uas` on a free port: sets SERVE_PORT. It
# listens on $SERVE_PROTOCOL (udp unless set).
start_serve() {
  SERVE_PORT=$(free_port)
  "$SIPPET" serve --mode uas --listen "${SERVE_PROTOCOL:-udp}:127.0.0.1:$SERVE_PORT" "$@" \
    >serve.log 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 50); do
    grep -q "listening" serve.log 2>/dev/null && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || { cat serve.log >&2; fail "sippet serve did not start"; }
    sleep 0.1
  done
  fail "sippet serve did not report listening"
}

# Stops the server and checks it exited cleanly on SIGTERM.
stop_serve() {
  kill -TERM "$SERVE_PID"
  local status=0
  wait "$SERVE_PID" || status=$?
  SERVE_PID=""
  [ "$status" = 0 ] || { cat serve.log >&2; fail "sippet serve exited with $status on SIGTERM"; }
}

# Runs sipp against the server (bounded), with a stats file to check; sets
# SIPP_PORT (sipp's local port). Usage: run_sipp <calls> <extra sipp args...>
run_sipp() {
  run_sipp_to "127.0.0.1:$SERVE_PORT" "$@"
}

# The same to another remote (the Request-URI's host; `-rsa HOST:PORT`
# sends to a proxy instead). Usage: run_sipp_to <host:port> <calls> <args...>
run_sipp_to() {
  local remote=$1 calls=$2
  shift 2
  local port
  port=$(free_port)
  SIPP_PORT=$port
  local status=0
  timeout 50 "$SIPP" "$remote" -i 127.0.0.1 -p "$port" -m "$calls" \
    -timeout 40s -timeout_error -nostdin -trace_screen -screen_file screen.log "$@" \
    >sipp.out 2>&1 || status=$?
  SIPP_STATUS=$status
}

# The cumulative value of a counter in sipp's screen ("Successful call", "Failed call").
sipp_counter() {
  awk -F'|' -v name="$1" '$1 ~ name { gsub(/ /, "", $3); value = $3 } END { print value }' screen.log
}

expect_all_calls_ok() {
  local calls=$1
  local ok failed
  ok=$(sipp_counter "Successful call")
  failed=$(sipp_counter "Failed call")
  if [ "$SIPP_STATUS" != 0 ] || [ "$ok" != "$calls" ] || [ "$failed" != 0 ]; then
    cat screen.log >&2 || true
    cat serve.log >&2 || true
    fail "sipp exit $SIPP_STATUS, successful $ok/$calls, failed $failed"
  fi
  echo "ok: $ok calls, $failed failed"
}

# Sends one UDP datagram (the bytes of file $1) to the server.
send_datagram() {
  python3 - "$1" "$SERVE_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))
PY
}

# Waits (bounded, 10 s) until file $1 has at least $2 lines.
wait_lines() {
  for _ in $(seq 1 100); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1: fewer than $2 lines after 10 s"
}

# Waits (bounded, 10 s) until something listens on UDP 127.0.0.1:$1.
wait_udp_port() {
  for _ in $(seq 1 100); do
    ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  fail "nothing listens on udp 127.0.0.1:$1 after 10 s"
}

# Waits (bounded, 10 s) until something listens on TCP 127.0.0.1:$1.
wait_tcp_port() {
  for _ in $(seq 1 100); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  fail "nothing listens on tcp 127.0.0.1:$1 after 10 s"
}

# Starts `sippet serve --mode proxy` on a free port: sets PROXY_PORT and
# PROXY_PID (stopped by stop_proxy, or at exit). Its output: proxy.log. It
# listens on that port with each transport of $PROXY_TRANSPORTS (udp
# unless set, e.g. "udp tcp").
start_proxy() {
  PROXY_PORT=$(free_port)
  local listen=() transport
  for transport in ${PROXY_TRANSPORTS:-udp}; do
    listen+=(--listen "$transport:127.0.0.1:$PROXY_PORT")
  done
  "$SIPPET" serve --mode proxy "${listen[@]}" "$@" >proxy.log 2>&1 &
  PROXY_PID=$!
  BACKGROUND_PIDS+=("$PROXY_PID")
  for _ in $(seq 1 50); do
    grep -q "listening" proxy.log 2>/dev/null && return 0
    kill -0 "$PROXY_PID" 2>/dev/null || { cat proxy.log >&2; fail "the proxy did not start"; }
    sleep 0.1
  done
  fail "the proxy did not report listening"
}

# Stops the proxy and checks it exited cleanly on SIGTERM.
stop_proxy() {
  kill -TERM "$PROXY_PID"
  local status=0
  wait "$PROXY_PID" || status=$?
  [ "$status" = 0 ] || { cat proxy.log >&2; fail "the proxy exited with $status on SIGTERM"; }
}

# Starts a SIPp callee for <calls> calls on a free port (bounded to 60 s):
# sets CALLEE_PORT and CALLEE_PID; its screen goes to callee_screen.log.
# Over TCP when CALLEE_TRANSPORT=tcp (SIPp's -t t1), else UDP.
# Usage: start_sipp_callee <calls> <sipp args: -sf FILE or -sn uas...>
start_sipp_callee() {
  local calls=$1
  shift
  [ "${KEEP_CALLEE_PORT:-0}" = 1 ] || CALLEE_PORT=$(free_port)
  local transport=()
  [ "${CALLEE_TRANSPORT:-udp}" = tcp ] && transport=(-t t1)
  timeout 60 "$SIPP" -i 127.0.0.1 -p "$CALLEE_PORT" -m "$calls" "${transport[@]}" -nostdin \
    -trace_screen -screen_file callee_screen.log "$@" >callee.out 2>&1 &
  CALLEE_PID=$!
  BACKGROUND_PIDS+=("$CALLEE_PID")
  if [ "${CALLEE_TRANSPORT:-udp}" = tcp ]; then
    wait_tcp_port "$CALLEE_PORT"
  else
    wait_udp_port "$CALLEE_PORT"
  fi
}

# Waits for the SIPp callee to end its <calls> calls; every one must have
# succeeded.
expect_callee_ok() {
  local calls=$1 status=0 ok failed
  wait "$CALLEE_PID" || status=$?
  ok=$(awk -F'|' '$1 ~ "Successful call" { gsub(/ /, "", $3); v = $3 } END { print v }' \
    callee_screen.log)
  failed=$(awk -F'|' '$1 ~ "Failed call" { gsub(/ /, "", $3); v = $3 } END { print v }' \
    callee_screen.log)
  if [ "$status" != 0 ] || [ "$ok" != "$calls" ] || [ "$failed" != 0 ]; then
    cat callee_screen.log callee.out >&2 || true
    fail "callee: sipp exit $status, successful $ok/$calls, failed $failed"
  fi
  echo "ok: callee took $ok calls, $failed failed"
}

# ---- The registrar (sippet serve --mode registrar) ----------------------

PHONE=(python3 "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sip_phone.py")

# Starts `sippet serve --mode registrar` on udp: and tcp:127.0.0.1:$REG_PORT
# (a free port, kept across restarts) with bindings in $DB (a SQLite file in
# the work directory unless set): sets REG_PID. Output: registrar.log.
start_registrar() {
  REG_PORT=${REG_PORT:-$(free_port)}
  DB=${DB:-$WORK/registrar.db}
  : >registrar.log
  "$SIPPET" serve --mode registrar --listen "udp:127.0.0.1:$REG_PORT" \
    --listen "tcp:127.0.0.1:$REG_PORT" --db "$DB" --threads 2 "$@" >registrar.log 2>&1 &
  REG_PID=$!
  BACKGROUND_PIDS+=("$REG_PID")
  for _ in $(seq 1 50); do
    [ "$(grep -c listening registrar.log)" = 2 ] && return 0
    kill -0 "$REG_PID" 2>/dev/null || { cat registrar.log >&2; fail "the registrar did not start"; }
    sleep 0.1
  done
  fail "the registrar did not report listening"
}

# Stops the registrar and checks it exited cleanly on SIGTERM.
stop_registrar() {
  kill -TERM "$REG_PID"
  local status=0
  wait "$REG_PID" || status=$?
  [ "$status" = 0 ] || { cat registrar.log >&2; fail "the registrar exited with $status"; }
}

# Registers sip:<user>@127.0.0.1 with Contact <contact> through SIPp
# (scenarios/register_as.xml). Usage: sipp_register <user> <contact> [expires]
sipp_register() {
  local port status=0
  port=$(free_port)
  timeout 20 "$SIPP" "127.0.0.1:$REG_PORT" -i 127.0.0.1 -p "$port" -m 1 -s "$1" \
    -sf "$SCENARIOS/register_as.xml" -key contact "$2" -key expires "${3:-600}" \
    -timeout 10s -timeout_error -nostdin >register.out 2>&1 || status=$?
  [ "$status" = 0 ] || { cat register.out registrar.log >&2; fail "REGISTER of $1 failed"; }
}

# The bindings of <aor> in $DB (sippet registrations' table: address of
# record, contact, seconds left, flow), one contact a line.
contacts_of() {
  "$SIPPET" registrations --db "$DB" | awk -v aor="$1" '$1 == aor { print $2 }'
}

# Sends the request on stdin to the registrar (sip_phone.py request) and
# checks the final status. Usage: expect_status <code> [--tcp] <<EOF ...
expect_status() {
  local code=$1 got
  shift
  "${PHONE[@]}" request "$REG_PORT" "$@" >response.txt || fail "no response (expected $code)"
  got=$(head -1 response.txt | cut -d' ' -f2)
  [ "$got" = "$code" ] || { cat response.txt >&2; fail "expected $code, got $got"; }
  echo "ok: $(head -1 response.txt | tr -d '\r')"
}

# Starts dnsmasq on a free loopback port as this user, answering for *.test
# only with the records of file $1 (dnsmasq.conf lines): sets DNS_PORT and
# DNS_PID (stopped at exit); its query log: dnsmasq.log. Ready once it
# answers a name only this instance knows.
start_dnsmasq() {
  command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/setup.sh installs it)"
  local probe="ready-$$-$RANDOM.probe.test"
  {
    echo "listen-address=127.0.0.1"
    echo "bind-interfaces"
    echo "no-resolv"
    echo "no-hosts"
    echo "local=/test/"
    echo "pid-file="
    echo "log-queries"
    echo "user=$(id -un)"
    echo "group=$(id -gn)"
    echo "host-record=$probe,127.0.0.1"
    cat "$1"
  } >dnsmasq.conf
  for _ in $(seq 1 10); do
    DNS_PORT=$(free_port)
    dnsmasq --keep-in-foreground --conf-file=dnsmasq.conf --port="$DNS_PORT" \
      --log-facility="$WORK/dnsmasq.log" &
    DNS_PID=$!
    for _ in $(seq 1 50); do
      if "$SIPPET" resolve --dns-server "127.0.0.1:$DNS_PORT" --dns-timeout 100 \
        "sip:$probe:5060" >/dev/null 2>&1; then
        BACKGROUND_PIDS+=("$DNS_PID")
        return 0
      fi
      kill -0 "$DNS_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -TERM "$DNS_PID" 2>/dev/null || true
    wait "$DNS_PID" 2>/dev/null || true
  done
  fail "dnsmasq did not start"
}
