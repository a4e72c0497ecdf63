#!/usr/bin/env bash
# `sippet send` against `sippet serve`: exit 0 on a 200 (OPTIONS, and an
# INVITE answered 180 + 200), 1 on a non-2xx final response, and 2 with a
# "timeout" message when nothing answers (Timer F after 64*T1).
source "$(dirname "$0")/lib.sh"
init "$@"
start_serve --answer 486

status=0
"$SIPPET" send "sip:uas@127.0.0.1:$SERVE_PORT" >out.txt 2>err.txt || status=$?
[ "$status" = 0 ] || fail "OPTIONS: exit $status, expected 0: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 200 OK" out.txt || fail "OPTIONS: no 200 printed: $(cat out.txt)"

status=0
"$SIPPET" send --method INVITE "sip:uas@127.0.0.1:$SERVE_PORT" >out.txt 2>err.txt || status=$?
[ "$status" = 1 ] || fail "INVITE answered 486: exit $status, expected 1"
grep -q "^SIP/2.0 180" out.txt || fail "INVITE: no 180 printed: $(cat out.txt)"
grep -q "^SIP/2.0 486" out.txt || fail "INVITE: no 486 printed: $(cat out.txt)"
stop_serve

start_serve
status=0
"$SIPPET" send --method INVITE "sip:uas@127.0.0.1:$SERVE_PORT" >out.txt 2>err.txt || status=$?
[ "$status" = 0 ] || fail "INVITE: exit $status, expected 0: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 200 OK" out.txt || fail "INVITE: no 200 printed"
stop_serve

# A peer that takes the request and never answers (no ICMP either): SIPp.
silent_port=$(free_port)
timeout 30 "$SIPP" -sf "$SCENARIOS/silent.xml" -i 127.0.0.1 -p "$silent_port" -m 1 -nostdin \
  >silent.out 2>&1 &
silent=$!
for _ in $(seq 1 50); do
  ss -Hlun "sport = :$silent_port" | grep -q . && break
  sleep 0.1
done
status=0
start=$(date +%s%N)
"$SIPPET" send --t1 20 "sip:nobody@127.0.0.1:$silent_port" >out.txt 2>err.txt || status=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
kill "$silent" 2>/dev/null || true
wait "$silent" 2>/dev/null || true
[ "$status" = 2 ] || fail "silent peer: exit $status, expected 2: $(cat err.txt)"
grep -qi "timeout" err.txt || fail "silent peer: no timeout message: $(cat err.txt)"
# Timer F = 64*T1 = 1280 ms.
[ "$elapsed" -ge 1200 ] && [ "$elapsed" -lt 5000 ] || fail "timed out after $elapsed ms, expected ~1280"
echo "ok: 200 -> 0, 486 -> 1, timeout after $elapsed ms -> 2 ($(cat err.txt))"
