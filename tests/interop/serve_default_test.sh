#!/usr/bin/env bash
# `sippet serve` with no arguments (what scripts/run.sh starts): a registrar
# and proxy on udp: and tcp:127.0.0.1:5060 with its bindings in
# $XDG_DATA_HOME/sippet/registrar.db (the directories created). A SIPp
# callee registers over UDP, a phone registers over TCP, `sippet
# registrations` (same default database) lists both, and a call reaches the
# callee; after a restart the bindings are still there. Port 5060 is the
# default under test: when something else holds it, the test is skipped
# (exit 77).
source "$(dirname "$0")/lib.sh"
init "$@"
if ss -Hlun "sport = :5060" | grep -q . || ss -Hltn "sport = :5060" | grep -q .; then
  echo "port 5060 is in use on this machine: skipped"
  exit 77
fi
export XDG_DATA_HOME=$WORK/data
REG_PORT=5060
DB=$XDG_DATA_HOME/sippet/registrar.db

start_default() {
  : >registrar.log
  "$SIPPET" serve >registrar.log 2>&1 &
  REG_PID=$!
  BACKGROUND_PIDS+=("$REG_PID")
  for _ in $(seq 1 50); do
    [ "$(grep -c listening registrar.log)" = 2 ] && return 0
    kill -0 "$REG_PID" 2>/dev/null || { cat registrar.log >&2; fail "sippet serve did not start"; }
    sleep 0.1
  done
  fail "sippet serve did not report listening"
}

echo "== no arguments: udp and tcp on 127.0.0.1:5060, bindings under XDG_DATA_HOME"
start_default
grep -q "proxy listening on udp:127.0.0.1:5060" registrar.log || fail "no UDP listener: $(cat registrar.log)"
grep -q "proxy listening on tcp:127.0.0.1:5060" registrar.log || fail "no TCP listener: $(cat registrar.log)"
grep -q "bindings in $DB" registrar.log || fail "bindings not in $DB: $(cat registrar.log)"
[ -f "$DB" ] || fail "$DB was not created"
echo "ok: $(grep -c listening registrar.log) listeners, $DB"

echo "== a callee over UDP and a phone over TCP register; a call reaches the callee"
start_sipp_callee 1 -sf "$SCENARIOS/uas-200.xml"
sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"
"${PHONE[@]}" phone 5060 --user carol --tcp --close >carol.out
grep -q registered carol.out || fail "the TCP phone did not register"
# sippet registrations without --db reads the same default database.
listed=$("$SIPPET" registrations)
grep -q "sip:bob@127.0.0.1" <<<"$listed" && grep -q "sip:carol@127.0.0.1" <<<"$listed" ||
  fail "sippet registrations: $listed"
echo "ok: sippet registrations lists bob and carol"
run_sipp_to 127.0.0.1:5060 1 -s bob -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
expect_callee_ok 1

echo "== after a restart the bindings are still there"
stop_registrar
start_default
grep -q "(2 loaded)" registrar.log || fail "bindings not loaded: $(cat registrar.log)"
echo "ok: $(grep -o '([0-9]* loaded)' registrar.log)"
stop_registrar
