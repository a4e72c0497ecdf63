#!/usr/bin/env bash
# `sippet serve --mode registrar --db FILE` with SIPp: RFC 3261 §10.3 through
# one Call-ID (scenarios/register_cycle.xml: register, refresh, a second
# contact, unregister, query, "*"), calls from SIPp's uac to a SIPp callee
# registered as bob, the same after a restart (the bindings come back from
# the file), 480 for a user who had bindings and 404 for one who never had.
# Bad REGISTERs and expiry: registrar_bad_test.sh.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=5

echo "== register, refresh, unregister, *"
start_registrar --min-expires 1
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s alice -sf "$SCENARIOS/register_cycle.xml"
expect_all_calls_ok 1
[ -z "$(contacts_of sip:alice@127.0.0.1)" ] || fail "alice still has bindings after *"

echo "== a call to a registered callee"
# One callee for the calls before and after the restart.
start_sipp_callee $((2 * CALLS)) -sf "$SCENARIOS/uas-200.xml"
sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"
[ "$(contacts_of sip:bob@127.0.0.1)" = "sip:bob@127.0.0.1:$CALLEE_PORT" ] || fail "bob not stored"
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"

echo "== 480 for alice (no binding left), 404 for nobody"
invite() {
  cat <<REQ
INVITE sip:$1@127.0.0.1:$REG_PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:caller@127.0.0.1>;tag=1
To: <sip:$1@127.0.0.1>
Call-ID: CALLID
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0
REQ
}
invite alice | expect_status 480
invite nobody | expect_status 404

echo "== bindings survive a restart"
stop_registrar
start_registrar
grep -q "(1 loaded)" registrar.log || { cat registrar.log >&2; fail "bob not loaded"; }
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"
expect_callee_ok $((2 * CALLS))
stop_registrar
