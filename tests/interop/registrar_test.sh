#!/usr/bin/env bash
# `sippet serve --mode registrar --db FILE` with SIPp: RFC 3261 §10.3 through
# one Call-ID (scenarios/register_cycle.xml: register, refresh, a second
# contact, unregister, query, "*"), calls from SIPp's uac to a SIPp callee
# registered as bob, the same after a restart (the bindings come back from
# the file), 480 for a user who had bindings and 404 for one who never had,
# expiry on a short Expires (swept from the file), and bad REGISTERs.
# The registrar's own cap test with 10,000 contacts is a unit test
# (registrar_test.cpp): here the transport's message size limit comes first.
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=5

echo "== register, refresh, unregister, *"
start_registrar --min-expires 1
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s alice -sf "$SCENARIOS/register_cycle.xml"
expect_all_calls_ok 1
[ -z "$(contacts_of sip:alice@127.0.0.1)" ] || fail "alice still has bindings after *"

echo "== a call to a registered callee"
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"
[ "$(contacts_of sip:bob@127.0.0.1)" = "sip:bob@127.0.0.1:$CALLEE_PORT" ] || fail "bob not stored"
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"

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

echo "== bad REGISTERs"
register() {  # <To URI> <CSeq> [header lines...]
  local to=$1 cseq=$2
  shift 2
  printf 'REGISTER sip:127.0.0.1 SIP/2.0\nVia: SIP/2.0/TRANSPORT 127.0.0.1:LPORT;branch=BRANCH\n'
  printf 'From: <%s>;tag=1\nTo: <%s>\nCall-ID: %s\nCSeq: %s REGISTER\nMax-Forwards: 70\n' \
    "$to" "$to" "${CALL_ID:-CALLID}" "$cseq"
  printf '%s\n' "$@"
  printf 'Content-Length: 0\n'
}
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5999' | expect_status 400
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5999>' 'Expires: soon' |
  expect_status 400
register sip:eve@127.0.0.1 1 'Contact: *' 'Contact: <sip:eve@127.0.0.1:5999>' 'Expires: 0' |
  expect_status 400
register sip:eve@127.0.0.1 1 'Contact: *' 'Expires: 600' | expect_status 400
register tel:+15551234 1 'Contact: <sip:eve@127.0.0.1:5999>' | expect_status 404
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5999>;expires=4294967296' |
  expect_status 400
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5999>' 'Expires: 4294967296' |
  expect_status 400
[ -z "$(contacts_of sip:eve@127.0.0.1)" ] || fail "a refused REGISTER stored eve"
# §10.3 step 7: the same Call-ID with a CSeq not higher changes nothing.
CALL_ID=order-$$ register sip:eve@127.0.0.1 5 'Contact: <sip:eve@127.0.0.1:5999>' |
  expect_status 200
CALL_ID=order-$$ register sip:eve@127.0.0.1 5 'Contact: <sip:eve@127.0.0.1:5999>' 'Expires: 0' |
  expect_status 500
[ "$(contacts_of sip:eve@127.0.0.1)" = "sip:eve@127.0.0.1:5999" ] || fail "eve changed"
# Over the cap of 10 contacts: 403, nothing stored. 3,000 contacts in one
# Contact list (what fits in a message of at most 65,535 bytes over TCP);
# 10,000 do not fit: the transport refuses the message (513, then closes the
# connection, which may reset before the answer is read) and nothing is
# stored either.
list=$(seq -f '<sip:m@h:%g>' 1 3000 | paste -sd,)
register sip:mallory@127.0.0.1 1 "Contact: $list" | expect_status 403 --tcp
list=$(seq -f '<sip:mallory@127.0.0.1:%g>' 10001 20000 | paste -sd,)
register sip:mallory@127.0.0.1 1 "Contact: $list" |
  "${PHONE[@]}" request "$REG_PORT" --tcp >/dev/null 2>&1 || true
[ -z "$(contacts_of sip:mallory@127.0.0.1)" ] || fail "part of a refused REGISTER was stored"

echo "== expiry on a short Expires"
sipp_register carol "sip:carol@127.0.0.1:5998" 1
rows() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from bindings where aor = ?", (sys.argv[2],)).fetchone()[0])' "$DB" "$1"; }
swept=0
for _ in $(seq 1 50); do
  [ "$(rows sip:carol@127.0.0.1)" = 0 ] && { swept=1; break; }
  sleep 0.1
done
[ "$swept" = 1 ] || fail "carol's binding was not swept from the file within 5 s"
echo "ok: carol's binding expired and was swept"

echo "== bindings survive a restart"
stop_registrar
start_registrar
grep -q "(2 loaded)" registrar.log || { cat registrar.log >&2; fail "bob and eve not loaded"; }
KEEP_CALLEE_PORT=1 start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"
stop_registrar
