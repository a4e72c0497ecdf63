#!/usr/bin/env bash
# `sippet serve --mode proxy --to sip:DOMAIN`: the next hop located by RFC
# 3263 through the stack's resolver, against dnsmasq on loopback. The SIPp
# caller's Request-URI names a port where nothing listens, so only --to can
# reach the SIPp callee: NAPTR -> SRV -> A leads there (zero failed calls);
# then an SRV target that is dead (priority 0, ICMP port unreachable) is
# failed over to the next (RFC 3263 §4.3), again with zero failed calls. In
# both, the proxy record-routes and the caller's ACK and BYE (uac-rr.xml)
# follow the route set to the callee's Contact (in the dialog). Bad --to
# values are CLI errors (exit 2).
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=50

for bad in "http://example.test" "sip:bob@domain.test" "sip:domain.test;transport=foo" \
  "sips:domain.test;transport=udp" "sip:domain.test;transport=tcp"; do
  status=0
  "$SIPPET" serve --mode proxy --listen udp:127.0.0.1:0 --to "$bad" >bad.out 2>&1 || status=$?
  [ "$status" = 2 ] && grep -q "^sippet serve: --to $bad: " bad.out ||
    fail "--to $bad: exit $status: $(cat bad.out)"
done

NOBODY=$(free_port)  # the caller's Request-URI: nothing listens there
DEAD=$(free_port)    # the first SRV target of the failover run

for run in srv failover; do
  echo "== $run"
  start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
  records="$run.records"
  echo "naptr-record=domain.test,10,50,s,SIP+D2U,,_sip._udp.domain.test" >"$records"
  if [ "$run" = failover ]; then
    echo "srv-host=_sip._udp.domain.test,dead.domain.test,$DEAD,0,10" >>"$records"
    echo "host-record=dead.domain.test,127.0.0.1" >>"$records"
  fi
  echo "srv-host=_sip._udp.domain.test,uas.domain.test,$CALLEE_PORT,10,10" >>"$records"
  echo "host-record=uas.domain.test,127.0.0.1" >>"$records"
  start_dnsmasq "$records"
  start_proxy --to sip:domain.test --record-route --dns-server "127.0.0.1:$DNS_PORT" \
    --trace-file trace.txt
  run_sipp_to "127.0.0.1:$NOBODY" "$CALLS" -sf "$SCENARIOS/uac-rr.xml" -r 50 \
    -rsa "127.0.0.1:$PROXY_PORT"
  expect_all_calls_ok "$CALLS"
  expect_callee_ok "$CALLS"
  stop_proxy
  grep -q "query\[NAPTR\] domain.test" dnsmasq.log || fail "$run: no NAPTR query seen by dnsmasq"
  grep -q "query\[SRV\] _sip._udp.domain.test" dnsmasq.log || fail "$run: no SRV query seen"
  invites=$(grep -Ec "^--- .* sent [0-9]+ bytes over UDP .* -> 127.0.0.1:$CALLEE_PORT\$" trace.txt)
  [ "$invites" -ge $((CALLS * 3)) ] || fail "$run: $invites messages sent to the callee"
  dead=$(grep -Ec "^--- .* sent [0-9]+ bytes over UDP .* -> 127.0.0.1:$DEAD\$" trace.txt || true)
  if [ "$run" = failover ]; then
    [ "$dead" -ge 1 ] || fail "failover: nothing was sent to the dead SRV target"
    echo "ok: $dead request(s) to the dead target, failed over"
  fi
  kill -TERM "$DNS_PID"
  wait "$DNS_PID" 2>/dev/null || true
  rm -f dnsmasq.log
done
