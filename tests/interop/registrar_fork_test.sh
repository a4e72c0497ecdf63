#!/usr/bin/env bash
# Forking to an address of record's contacts through `sippet serve --mode
# registrar`, each contact registered with its q-value:
# - `--fork sequential` (RFC 3261 §16.6, by q): the higher-q contact (1.0)
#   answers 200: the lower-q one (0.5) is never rung; the higher-q contact
#   is busy (486): the call goes on to the lower-q one, which answers;
# - parallel (the default): both ring at once; the lower-q one answers and
#   the higher-q one, still ringing, is cancelled
#   (scenarios/uas-ring-cancel.xml fails without the CANCEL).
# Callees: sip_phone.py phones (register, answer 200) and SIPp.
source "$(dirname "$0")/lib.sh"
init "$@"

# Registers sip:<user>@127.0.0.1 -> <contact>;q=<q> (a SIPp callee's address).
register_q() {
  expect_status 200 <<REQ
REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:$1@127.0.0.1>;tag=1
To: <sip:$1@127.0.0.1>
Call-ID: CALLID
CSeq: 1 REGISTER
Contact: <$2>;q=$3
Max-Forwards: 70
Content-Length: 0
REQ
}
# Starts a phone registered as <user> with q <q>: sets PHONE_PID. Its
# output: <file> ("answered N" at the end).
start_phone() {  # <file> <user> <q> [phone options...]
  local out=$1 user=$2 q=$3
  shift 3
  "${PHONE[@]}" phone "$REG_PORT" --user "$user" --q "$q" "$@" >"$out" &
  PHONE_PID=$!
  BACKGROUND_PIDS+=("$PHONE_PID")
  wait_lines "$out" 2
}

echo "== sequential: the higher q answers, the lower is never rung"
start_registrar --fork sequential
start_phone hi.out ann 1.0 --calls 1
HI_PID=$PHONE_PID
start_phone lo.out ann 0.5 --until-term
LO_PID=$PHONE_PID
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s ann -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
wait "$HI_PID" || { cat hi.out >&2; fail "the q=1.0 phone"; }
kill -TERM "$LO_PID"
wait "$LO_PID" || fail "the q=0.5 phone"
grep -q "answered 1" hi.out || fail "the q=1.0 phone did not answer"
grep -q "^rung 0$" lo.out || { cat lo.out >&2; fail "the q=0.5 phone was rung"; }
echo "ok: q=1.0 answered, q=0.5 not rung"

echo "== sequential: the higher q is busy (486), the lower answers"
start_sipp_callee 1 -sf "$SCENARIOS/uas-486.xml"
register_q ben "sip:ben@127.0.0.1:$CALLEE_PORT" 1.0
start_phone lo2.out ben 0.5 --calls 1
LO_PID=$PHONE_PID
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s ben -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
expect_callee_ok 1
wait "$LO_PID" || { cat lo2.out >&2; fail "the q=0.5 phone"; }
echo "ok: 486 from q=1.0, then q=0.5 answered"
stop_registrar

echo "== parallel (the default): both ring, the answer cancels the other"
start_registrar
start_sipp_callee 1 -sf "$SCENARIOS/uas-ring-cancel.xml"
register_q cat "sip:cat@127.0.0.1:$CALLEE_PORT" 1.0
start_phone lo3.out cat 0.5 --calls 1
LO_PID=$PHONE_PID
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s cat -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
expect_callee_ok 1
wait "$LO_PID" || { cat lo3.out >&2; fail "the q=0.5 phone"; }
echo "ok: q=1.0 rang and was cancelled, q=0.5 answered"
stop_registrar
