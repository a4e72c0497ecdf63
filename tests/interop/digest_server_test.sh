#!/usr/bin/env bash
# sippet::auth's server (examples/digest_uas.cpp) against SIPp's own Digest
# client ([authentication], MD5, -au / -ap): a REGISTER challenged with 401
# and answered with the right password gets 200; with a wrong one, 403.
source "$(dirname "$0")/lib.sh"
init "$@"
UAS=$(realpath "$(dirname "$SIPPET")/../../examples/example_digest_uas")
[ -x "$UAS" ] || fail "no $UAS (built with the examples)"

port=$(free_port)
"$UAS" "udp:127.0.0.1:$port" sipp.example alice secret MD5 >uas.log 2>&1 &
uas=$!
SERVE_PID=$uas  # stopped by lib.sh's cleanup
for _ in $(seq 1 50); do
  grep -q listening uas.log 2>/dev/null && break
  kill -0 "$uas" 2>/dev/null || fail "example_digest_uas did not start: $(cat uas.log)"
  sleep 0.1
done

# Runs the digest UAC scenario for CALLS registrations with the password given.
register() {
  local calls=$1 password=$2
  STATUS=0
  timeout 50 "$SIPP" "127.0.0.1:$port" -sf "$SCENARIOS/digest_uac.xml" -i 127.0.0.1 \
    -p "$(free_port)" -m "$calls" -au alice -ap "$password" -timeout 20s -timeout_error \
    -nostdin >sipp.out 2>&1 || STATUS=$?
}

register 5 secret
[ "$STATUS" = 0 ] || fail "right password: sipp exit $STATUS: $(cat sipp.out uas.log)"
[ "$(grep -c '^REGISTER: ok user alice' uas.log)" = 5 ] ||
  fail "right password: expected 5 accepted REGISTERs: $(cat uas.log)"
[ "$(grep -c '^REGISTER: missing credentials' uas.log)" = 5 ] ||
  fail "right password: expected 5 challenges: $(cat uas.log)"

register 1 wrong
[ "$STATUS" != 0 ] || fail "wrong password: sipp succeeded"
grep -q '^REGISTER: wrong password user alice' uas.log || fail "no wrong password: $(cat uas.log)"
echo "ok: SIPp's [authentication] accepted 5 times; a wrong password refused (403)"
