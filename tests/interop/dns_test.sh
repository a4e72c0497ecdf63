#!/usr/bin/env bash
# RFC 3263 in the tool, against dnsmasq on loopback with records written
# here: `sippet resolve` prints the targets in order with the NAPTR, SRV and
# A records that led there; `sippet send sip:uas@domain.test` reaches
# `sippet serve` through NAPTR -> SRV -> A; an unknown domain exits 2.
source "$(dirname "$0")/lib.sh"
init "$@"
command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/setup.sh installs it)"
start_serve

DNS_PID=""
stop_dns() {
  if [ -n "$DNS_PID" ]; then
    kill -TERM "$DNS_PID" 2>/dev/null || true
    wait "$DNS_PID" 2>/dev/null || true
  fi
  cleanup
}
trap stop_dns EXIT

cat >dnsmasq.conf <<CONF
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
local=/test/
pid-file=
log-queries
user=$(id -un)
group=$(id -gn)
naptr-record=domain.test,10,50,s,SIP+D2U,,_sip._udp.domain.test
naptr-record=domain.test,20,50,s,SIP+D2T,,_sip._tcp.domain.test
srv-host=_sip._udp.domain.test,uas.domain.test,$SERVE_PORT,0,10
host-record=uas.domain.test,127.0.0.1
CONF
started=0
for _ in $(seq 1 10); do
  DNS_PORT=$(free_port)
  dnsmasq --keep-in-foreground --conf-file=dnsmasq.conf --port="$DNS_PORT" \
    --log-facility="$WORK/dnsmasq.log" &
  DNS_PID=$!
  for _ in $(seq 1 50); do
    if "$SIPPET" resolve --dns-server "127.0.0.1:$DNS_PORT" --dns-timeout 100 \
      sip:x@uas.domain.test:5060 >/dev/null 2>&1; then
      started=1
      break 2
    fi
    kill -0 "$DNS_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -TERM "$DNS_PID" 2>/dev/null || true
  wait "$DNS_PID" 2>/dev/null || true
  DNS_PID=""
done
[ "$started" = 1 ] || fail "dnsmasq did not start"
DNS=(--dns-server "127.0.0.1:$DNS_PORT")

"$SIPPET" resolve "${DNS[@]}" --transports udp sip:alice@domain.test >resolve.txt 2>&1 ||
  fail "resolve: $(cat resolve.txt)"
[ "$(head -n 1 resolve.txt)" = "UDP 127.0.0.1:$SERVE_PORT  uas.domain.test" ] ||
  fail "resolve: first target: $(cat resolve.txt)"
grep -q '^  NAPTR domain.test 10 50 "s" "SIP+D2U" "" _sip._udp.domain.test' resolve.txt ||
  fail "resolve: no NAPTR line: $(cat resolve.txt)"
grep -q "^  SRV _sip._udp.domain.test 0 10 $SERVE_PORT uas.domain.test" resolve.txt ||
  fail "resolve: no SRV line: $(cat resolve.txt)"
grep -q "^  A uas.domain.test 127.0.0.1" resolve.txt || fail "resolve: no A line: $(cat resolve.txt)"

status=0
"$SIPPET" resolve "${DNS[@]}" sip:alice@nowhere.test >none.txt 2>&1 || status=$?
[ "$status" = 1 ] || fail "resolve of an unknown domain: exit $status, expected 1"

status=0
"$SIPPET" send "${DNS[@]}" sip:uas@domain.test >out.txt 2>err.txt || status=$?
[ "$status" = 0 ] || fail "send: exit $status, expected 0: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 200 OK" out.txt || fail "send: no 200 printed: $(cat out.txt)"
grep -q "query\[NAPTR\] domain.test" dnsmasq.log || fail "send: no NAPTR query seen by dnsmasq"

status=0
"$SIPPET" send "${DNS[@]}" sip:uas@nowhere.test >out.txt 2>err.txt || status=$?
[ "$status" = 2 ] || fail "send to an unknown domain: exit $status, expected 2"
stop_serve
echo "ok: resolve lists $(grep -c '^[A-Z]' resolve.txt) target(s) with their records; send through NAPTR/SRV/A got 200"
