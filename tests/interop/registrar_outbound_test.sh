#!/usr/bin/env bash
# RFC 5626 outbound through `sippet serve --mode registrar`, with the phones
# of sip_phone.py (Supported: outbound, Contact <sip:...;ob> with
# +sip.instance and reg-id; the Contact names 10.0.0.9, which the
# registrar cannot reach: only the flows can):
# - one instance registers one Contact URI on two flows, reg-id 1 over TCP
#   and reg-id 2 over UDP: both kept, each 200 with Require: outbound;
# - a re-REGISTER of reg-id 2 from another UDP address replaces that flow;
# - a call to the address of record goes out on one flow of the instance
#   (§5.3: never two at once), the phone answers on it;
# - a phone with one UDP outbound flow is called on that flow;
# - a phone whose only flow, a TCP connection, has closed: 430 Flow Failed.
source "$(dirname "$0")/lib.sh"
init "$@"
start_registrar
INSTANCE="urn:uuid:00000000-0000-1000-8000-00000000a11c"
CONTACT="sip:alice@10.0.0.9:5060"
# Runs in a subshell (each call below is backgrounded or in $(...)):
# exec makes the phone the process a signal reaches.
outbound_phone() {  # <output file> <user> <reg-id> [phone options...]
  local out=$1 user=$2 reg_id=$3
  shift 3
  exec "${PHONE[@]}" phone "$REG_PORT" --user "$user" --contact "$CONTACT" --instance "$INSTANCE" \
    --reg-id "$reg_id" "$@" >"$out"
}
port_of() { head -1 "$1" | cut -d' ' -f2; }
# The flows of <aor>'s bindings (sippet registrations' table: address of
# record, contact, seconds left, flow), one a line.
flows_of() {
  "$SIPPET" registrations --db "$DB" |
    awk -v aor="$1" '$1 == aor { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }'
}

echo "== one instance, two flows: reg-id 1 on TCP, reg-id 2 on UDP"
outbound_phone a.out alice 1 --tcp --until-term &
A_PID=$!
BACKGROUND_PIDS+=("$A_PID")
wait_lines a.out 2
(outbound_phone b.out alice 2 --close)
for out in a.out b.out; do
  grep -q "^require: outbound$" "$out" || { cat "$out" >&2; fail "$out: no Require: outbound"; }
done
echo "ok: each 200 has Require: outbound"
flows=$(flows_of sip:alice@127.0.0.1)  # read whole, then searched (no early pipe close)
[ "$(wc -l <<<"$flows")" = 2 ] || { echo "$flows" >&2; fail "alice: not two bindings"; }
grep -Eq "^TCP .* 127.0.0.1:$(port_of a.out)( |$)" <<<"$flows" || fail "no binding on the TCP flow"
grep -Eq "^UDP .* 127.0.0.1:$(port_of b.out)( |$)" <<<"$flows" ||
  fail "no binding on the first UDP flow"
echo "ok: two bindings of one Contact URI, one per flow"

echo "== reg-id 2 again from another address: its flow is replaced"
outbound_phone c.out alice 2 --until-term &
C_PID=$!
BACKGROUND_PIDS+=("$C_PID")
wait_lines c.out 2
flows=$(flows_of sip:alice@127.0.0.1)
[ "$(wc -l <<<"$flows")" = 2 ] || fail "alice: not two bindings after the refresh"
grep -Eq "^UDP .* 127.0.0.1:$(port_of c.out)( |$)" <<<"$flows" ||
  fail "reg-id 2 is not on its new flow"
if grep -Eq " 127.0.0.1:$(port_of b.out)( |$)" <<<"$flows"; then
  fail "reg-id 2's old flow is still there"
fi
echo "ok: reg-id 2 moved to the new flow, reg-id 1 kept"

echo "== a call to alice goes out on one flow of the instance"
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s alice -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
kill -TERM "$A_PID" "$C_PID"
wait "$A_PID" || fail "phone a"
wait "$C_PID" || fail "phone c"
a=$(tail -1 a.out | cut -d' ' -f2)
c=$(tail -1 c.out | cut -d' ' -f2)
[ $((a + c)) = 1 ] || { cat a.out c.out >&2; fail "answered: reg-id 1 $a, reg-id 2 $c"; }
echo "ok: one flow took the call (reg-id 1: $a, reg-id 2: $c)"

echo "== a phone with one outbound UDP flow is called on it"
INSTANCE="urn:uuid:00000000-0000-1000-8000-0000000000b0b" CONTACT="sip:bob@10.0.0.9:5060"
outbound_phone bob.out bob 1 --calls 1 &
BOB_PID=$!
BACKGROUND_PIDS+=("$BOB_PID")
wait_lines bob.out 2
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s bob -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
wait "$BOB_PID" || { cat bob.out registrar.log >&2; fail "bob"; }
grep -q "answered 1" bob.out || fail "bob answered no call"
echo "ok: bob answered on his flow"

echo "== the only flow gone (a TCP phone that closed): 430 Flow Failed"
INSTANCE="urn:uuid:00000000-0000-1000-8000-00000000d0aa" CONTACT="sip:dora@10.0.0.9:5060"
(outbound_phone dora.out dora 1 --tcp --close)
grep -q "^require: outbound$" dora.out || fail "dora: no Require: outbound"
got=""
for _ in $(seq 1 20); do
  cat <<REQ | "${PHONE[@]}" request "$REG_PORT" >response.txt || true
INVITE sip:dora@127.0.0.1:$REG_PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:caller@127.0.0.1>;tag=1
To: <sip:dora@127.0.0.1>
Call-ID: CALLID
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0
REQ
  got=$(head -1 response.txt | cut -d' ' -f2)
  [ "$got" = 430 ] && break
  sleep 0.1  # the registrar learns of the close when it reads the connection's end
done
[ "$got" = 430 ] || { cat response.txt registrar.log >&2; fail "expected 430, got $got"; }
echo "ok: $(head -1 response.txt | tr -d '\r')"
stop_registrar
