#!/usr/bin/env bash
# Digest authentication in `sippet serve --users FILE` (RFC 3261 §22, RFC
# 7616, RFC 8760): a REGISTER is challenged with 401 (SHA-256 first, then
# MD5) and binds only its own user's address of record; wrong or unknown
# credentials get 403. In proxy mode, requests our domain's users send are
# challenged with 407 and their Proxy-Authorization is not forwarded;
# requests from other domains and in-dialog requests are not challenged.
# Peers: `sippet send --user/--password` (SHA-256) and SIPp's own Digest
# code (MD5 only, and it reads only the first challenge: the server is
# started with --auth-algorithm MD5 for it).
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=3
REALM=sippet.test
printf '# test users\nalice secret\n' >users.txt
echo bobpw | "$SIPPET" passwd bob "$REALM" --algorithm MD5 >>users.txt
echo carolpw | "$SIPPET" passwd carol "$REALM" --algorithm MD5 >>users.txt
grep -q "^bob $REALM MD5 [0-9a-f]\{32\}$" users.txt || fail "sippet passwd wrote: $(cat users.txt)"

echo "== option errors: a non-zero exit and a message naming the problem"
refused() {  # <expected exit> <expected text> <serve options...>
  local code=$1 text=$2 status=0
  shift 2
  XDG_DATA_HOME=$WORK timeout 10 "$SIPPET" serve --listen "udp:127.0.0.1:$(free_port)" "$@" \
    >refused.log 2>&1 || status=$?
  [ "$status" = "$code" ] && grep -qF -- "$text" refused.log ||
    { cat refused.log >&2; fail "serve $*: exit $status, expected $code and '$text'"; }
  echo "ok: $* -> $code ($(head -1 refused.log))"
}
refused 2 "need --users" --mode registrar --realm "$REALM"
refused 2 "--users needs --mode proxy or registrar" --mode uas --users users.txt
refused 2 "--users needs --realm" --mode proxy --users users.txt
refused 2 "--auth-algorithm MD6" --mode registrar --users users.txt --auth-algorithm MD6
refused 1 "missing.txt: cannot be read" --mode registrar --users missing.txt --realm "$REALM"
printf 'dave\n' >bad_users.txt
refused 1 "bad_users.txt: " --mode registrar --users bad_users.txt --realm "$REALM"

# sippet send REGISTER as USER/PASSWORD to AOR's user: its exit status.
register_as() {
  local status=0
  "$SIPPET" send --method REGISTER --user "$1" --password "$2" --trace \
    "sip:$3@127.0.0.1:$REG_PORT" >send.out 2>trace.txt || status=$?
  echo "$status"
}

echo "== registrar: 401 with SHA-256 and MD5 challenges"
start_registrar --users users.txt --realm "$REALM"
printf 'REGISTER sip:127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:alice@127.0.0.1>;tag=1\nTo: <sip:alice@127.0.0.1>\nCall-ID: CALLID
CSeq: 1 REGISTER\nContact: <sip:alice@127.0.0.1:5999>\nMax-Forwards: 70
Content-Length: 0\n' | expect_status 401
algorithms=$(grep -i '^WWW-Authenticate:' response.txt | grep -o 'algorithm=[A-Z0-9-]*' | paste -sd,)
[ "$algorithms" = "algorithm=SHA-256,algorithm=MD5" ] || fail "challenges: $algorithms"
grep -qi "realm=\"$REALM\"" response.txt || fail "no realm $REALM in the challenge"
[ -z "$(contacts_of sip:alice@127.0.0.1)" ] || fail "an unauthenticated REGISTER was stored"

echo "== the right password (SHA-256), a wrong one, another user's AOR, an unknown user"
[ "$(register_as alice secret alice)" = 0 ] || { cat send.out trace.txt >&2; fail "alice refused"; }
grep -q 'Authorization: Digest.*algorithm=SHA-256' trace.txt || fail "alice did not use SHA-256"
echo "ok: alice registered with SHA-256"
[ "$(register_as alice wrong alice)" = 1 ] && grep -q ' 403 ' send.out ||
  fail "a wrong password: $(cat send.out)"
echo "ok: a wrong password gets 403"
[ "$(register_as alice secret bob)" = 1 ] && grep -q ' 403 ' send.out ||
  fail "alice binding bob: $(cat send.out)"
echo "ok: alice cannot bind bob's address of record"
[ "$(register_as mallory secret mallory)" = 1 ] && grep -q ' 403 ' send.out ||
  fail "an unknown user: $(cat send.out)"
echo "ok: an unknown user gets 403"
stop_registrar

# -auth_uri (SIPp adds "sip:"): its digest uri is the remote address unless
# told; ours checks it against the Request-URI (§22.4, RFC 2617 §3.2.2.5).
echo "== registrar with --auth-algorithm MD5: SIPp's [authentication] registers alice"
start_registrar --users users.txt --realm "$REALM" --auth-algorithm MD5
port=$(free_port)
timeout 20 "$SIPP" "127.0.0.1:$REG_PORT" -i 127.0.0.1 -p "$port" -m 1 -s alice \
  -key domain 127.0.0.1 -key contact "sip:alice@127.0.0.1:5999" -au alice -ap secret \
  -auth_uri 127.0.0.1 -sf "$SCENARIOS/register_digest.xml" -timeout 10s -timeout_error \
  -nostdin >register.out 2>&1 || { cat register.out registrar.log >&2; fail "SIPp could not register alice"; }
contacts=$(contacts_of sip:alice@127.0.0.1)
grep -qx "sip:alice@127.0.0.1:5999" <<<"$contacts" || fail "alice's SIPp contact not stored: $contacts"
echo "ok: SIPp registered alice"
stop_registrar

echo "== proxy: SIPp registers bob (MD5, HA1 line), carol calls him through a 407"
start_registrar --mode proxy --domain "$REALM" --users users.txt --auth-algorithm MD5
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml" -trace_msg
port=$(free_port)
timeout 20 "$SIPP" "127.0.0.1:$REG_PORT" -i 127.0.0.1 -p "$port" -m 1 -s bob -key domain "$REALM" \
  -key contact "sip:bob@127.0.0.1:$CALLEE_PORT" -au bob -ap bobpw -auth_uri "$REALM" \
  -sf "$SCENARIOS/register_digest.xml" -timeout 10s -timeout_error -nostdin >register.out 2>&1 ||
  { cat register.out registrar.log >&2; fail "SIPp could not register bob"; }
[ "$(contacts_of "sip:bob@$REALM")" = "sip:bob@127.0.0.1:$CALLEE_PORT" ] || fail "bob not stored"
echo "ok: bob registered"
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s bob -key caller carol -key domain "$REALM" \
  -au carol -ap carolpw -auth_uri "bob@$REALM" -sf "$SCENARIOS/invite_digest.xml" -r 10
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"
grep -q '^INVITE sip:bob@127.0.0.1' uas-200_*_messages.log || fail "the callee's log has no INVITE"
if grep -qi '^Proxy-Authorization:' uas-200_*_messages.log; then
  fail "Proxy-Authorization was forwarded to the callee"
fi
echo "ok: the callee got no Proxy-Authorization"

invite_from() {  # <From URI> <user called>
  printf 'INVITE sip:%s@%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <%s>;tag=1\nTo: <sip:%s@%s>\nCall-ID: CALLID\nCSeq: 1 INVITE
Contact: <sip:x@127.0.0.1:LPORT>\nMax-Forwards: 70\nContent-Length: 0\n' \
    "$2" "$REALM" "$1" "$2" "$REALM"
}
invite_from "sip:carol@$REALM" nobody | expect_status 407
invite_from sip:someone@elsewhere.example nobody | expect_status 404
