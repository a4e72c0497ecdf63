#!/usr/bin/env bash
# `sippet send --user --password` against SIPp as a UAS that challenges with
# 401 (Digest MD5, qop=auth) and checks the answer with its own Digest code
# (verifyauth): the right password gets 200 (exit 0), a wrong one 403
# (exit 1); without --user the 401 is final (exit 1).
source "$(dirname "$0")/lib.sh"
init "$@"

# Runs SIPp's digest UAS for one call on a free port, then `sippet send`
# with the given options; sets STATUS and leaves the output in out.txt.
run_case() {
  local port
  port=$(free_port)
  timeout 30 "$SIPP" -sf "$SCENARIOS/digest_uas.xml" -i 127.0.0.1 -p "$port" -m 1 -nostdin \
    -trace_err -error_file sipp_err.log >sipp.out 2>&1 &
  local sipp=$!
  for _ in $(seq 1 50); do
    ss -Hlun "sport = :$port" | grep -q . && break
    sleep 0.1
  done
  STATUS=0
  timeout 30 "$SIPPET" send --t1 100 "$@" "sip:uas@127.0.0.1:$port" >out.txt 2>err.txt || STATUS=$?
  kill "$sipp" 2>/dev/null || true
  wait "$sipp" 2>/dev/null || true
}

run_case --user alice --password secret
[ "$STATUS" = 0 ] || fail "right password: exit $STATUS, expected 0: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 401" out.txt || fail "right password: no 401 printed: $(cat out.txt)"
grep -q "^SIP/2.0 200" out.txt || fail "right password: no 200 printed: $(cat out.txt)"

run_case --user alice --password wrong
[ "$STATUS" = 1 ] || fail "wrong password: exit $STATUS, expected 1: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 403" out.txt || fail "wrong password: no 403 printed: $(cat out.txt)"

run_case
[ "$STATUS" = 1 ] || fail "no credentials: exit $STATUS, expected 1: $(cat out.txt err.txt)"
tail -n 1 out.txt | grep -q "^SIP/2.0 401" || fail "no credentials: 401 not final: $(cat out.txt)"
status=0
"$SIPPET" send --user alice sip:uas@127.0.0.1:5060 >out.txt 2>err.txt || status=$?
[ "$status" = 2 ] || fail "--user without --password: exit $status, expected 2"
grep -q "go together" err.txt || fail "--user without --password: $(cat err.txt)"
echo "ok: 401 answered (200 with the right password, 403 with a wrong one), 401 final without --user"
