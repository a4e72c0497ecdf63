#!/usr/bin/env bash
# `sippet serve --metrics`: SIPp's uac makes 20 calls while hostile HTTP
# clients (garbage, a byte at a time, silent connections) and a scraper hit
# the metrics port; every call succeeds, every scrape during the run gets
# 200, and the scrape after the run counts exactly the calls' messages and
# transactions. `promtool check metrics` accepts the text.
source "$(dirname "$0")/lib.sh"
init "$@"
command -v promtool >/dev/null || fail "promtool missing (scripts/setup.sh installs prometheus)"

start_serve --threads 2 --metrics tcp:127.0.0.1:0
METRICS_PORT=$(sed -n 's|^sippet serve: metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' serve.log)
[ -n "$METRICS_PORT" ] || { cat serve.log >&2; fail "no metrics address in the log"; }

# One HTTP exchange over bash's /dev/tcp: writes the response to $2.
http() {
  local request=$1 out=$2
  exec 3<>"/dev/tcp/127.0.0.1/$METRICS_PORT" || return 1
  printf '%b' "$request" >&3
  timeout 10 cat <&3 >"$out"
  local status=$?
  exec 3<&-
  return $status
}
scrape() {
  http 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n' "$1"
}
status_of() { head -n 1 "$1" | cut -d' ' -f2; }

# Hostile clients, until told to stop.
HOSTILE=()
hostile() {
  while [ ! -e stop ]; do
    # Garbage (a TLS ClientHello's first octets), answered 400.
    http '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' garbage.out || true
    # A request line that never ends, a byte every 50 ms.
    (exec 4<>"/dev/tcp/127.0.0.1/$METRICS_PORT" && for c in G E T ' ' / m e t r i c s; do
      printf '%s' "$c" >&4 2>/dev/null || break
      sleep 0.05
    done) || true
    # Silent connections, left open.
    (exec 5<>"/dev/tcp/127.0.0.1/$METRICS_PORT" && sleep 2) &
  done
}
# More silent connections at once than the server keeps (16): the oldest
# are closed to make room, scrapes still get through.
for _ in $(seq 1 30); do
  (exec 5<>"/dev/tcp/127.0.0.1/$METRICS_PORT" && sleep 3) 2>/dev/null &
done
hostile &
HOSTILE+=($!)
hostile &
HOSTILE+=($!)
# A scrape every 100 ms during the run: each must answer 200.
(
  n=0
  while [ ! -e stop ]; do
    n=$((n + 1))
    if scrape "during.$n" && [ "$(status_of "during.$n")" = 200 ]; then
      echo ok >>scrapes.log
    else
      echo "scrape $n: $(head -n 1 "during.$n" 2>/dev/null)" >>scrapes.log
    fi
    sleep 0.1
  done
) &
HOSTILE+=($!)

run_sipp 20 -sn uac -r 10
touch stop
for pid in "${HOSTILE[@]}"; do wait "$pid" || true; done
expect_all_calls_ok 20

good=$(grep -c '^ok$' scrapes.log || true)
bad=$(grep -vc '^ok$' scrapes.log || true)
echo "scrapes during the run: $good answered 200, $bad not"
[ "$bad" = 0 ] && [ "$good" -gt 0 ] || { cat scrapes.log >&2; fail "scrapes during the run failed"; }

scrape response.txt || fail "the final scrape did not complete"
[ "$(status_of response.txt)" = 200 ] || { head -n 5 response.txt >&2; fail "final scrape not 200"; }
grep -q $'^Content-Type: text/plain; version=0.0.4; charset=utf-8\r$' response.txt ||
  fail "no Prometheus Content-Type"
sed '1,/^\r$/d' response.txt >metrics.txt
promtool check metrics <metrics.txt || fail "promtool rejects the exposition"

# The value of one sample ("name{labels}" as written).
value() {
  awk -v name="$1" '$1 == name { print $2; found = 1 } END { if (!found) print "missing" }' metrics.txt
}
failures=0
expect() {
  local got
  got=$(value "$1")
  if [ "$got" != "$2" ]; then
    echo "FAIL: $1 is $got, expected $2" >&2
    failures=$((failures + 1))
  fi
}
# SIPp's uac: INVITE, 180, 200, ACK, BYE, 200; the UAS answers at once (no 100).
expect 'sippet_requests_received_total{method="INVITE"}' 20
expect 'sippet_requests_received_total{method="ACK"}' 20
expect 'sippet_requests_received_total{method="BYE"}' 20
expect 'sippet_requests_received_total{method="OPTIONS"}' 0
expect 'sippet_responses_sent_total{class="1xx"}' 20
expect 'sippet_responses_sent_total{class="2xx"}' 40
expect 'sippet_responses_retransmitted_total{class="2xx"}' 0
expect 'sippet_requests_sent_total{method="INVITE"}' 0
expect 'sippet_parse_failures_total{reason="malformed_start_line"}' 0
expect 'sippet_validation_failures_total{reason="missing_header"}' 0
expect 'sippet_responses_discarded_total' 0
# Timers L and J (64*T1 = 32 s) keep the transactions for now.
expect 'sippet_transactions_created_total{kind="server_invite"}' 20
expect 'sippet_transactions_created_total{kind="server_non_invite"}' 20
expect 'sippet_transactions_alive{kind="server_invite"}' 20
expect 'sippet_transactions_alive{kind="client_invite"}' 0
expect 'sippet_transport_errors_total{source="send"}' 0
expect 'sippet_workers' 2
dispatched=$(awk '$1 ~ /^sippet_messages_dispatched_total/ { n += $2 } END { print n }' metrics.txt)
[ "$dispatched" = 60 ] || { echo "FAIL: $dispatched messages dispatched, expected 60" >&2; failures=$((failures + 1)); }
awk '$1 == "process_cpu_seconds_total" && $2 > 0 { ok = 1 } END { exit !ok }' metrics.txt ||
  { echo "FAIL: no process CPU time" >&2; failures=$((failures + 1)); }
awk '$1 == "process_resident_memory_bytes" && $2 > 1000000 { ok = 1 } END { exit !ok }' metrics.txt ||
  { echo "FAIL: no resident memory" >&2; failures=$((failures + 1)); }
[ "$failures" = 0 ] || { cat metrics.txt >&2; fail "$failures figures do not match the run"; }
echo "ok: the scrape counts the 20 calls; promtool accepts it"

# The endpoint's errors, on the same server.
http 'GET /other HTTP/1.1\r\nHost: a\r\n\r\n' other.txt
[ "$(status_of other.txt)" = 404 ] || fail "another path is not 404"
http 'POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n' post.txt
[ "$(status_of post.txt)" = 405 ] || fail "POST is not 405"
[ "$(status_of garbage.out)" = 400 ] || fail "garbage is not 400"
stop_serve
