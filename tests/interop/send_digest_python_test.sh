#!/usr/bin/env bash
# `sippet send --user --password` against a UAS whose Digest code is Python's
# hashlib (digest_uas.py): every algorithm of RFC 7616 / RFC 8760 with qop
# auth and auth-int must get 200, and a 407 as well as a 401; a wrong
# password 403.
source "$(dirname "$0")/lib.sh"
init "$@"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

port=$(free_port)
timeout 60 python3 "$HERE/digest_uas.py" "$port" 14 alice secret >uas.out 2>uas.err &
uas=$!
for _ in $(seq 1 100); do
  grep -q ready uas.out 2>/dev/null && break
  kill -0 "$uas" 2>/dev/null || fail "digest_uas.py did not start: $(cat uas.err)"
  sleep 0.1
done

for algorithm in MD5 MD5-sess SHA-256 SHA-256-sess SHA-512-256 SHA-512-256-sess; do
  for qop in auth auth-int; do
    status=0
    timeout 30 "$SIPPET" send --t1 100 --user alice --password secret \
      "sip:$algorithm.$qop@127.0.0.1:$port" >out.txt 2>err.txt || status=$?
    [ "$status" = 0 ] ||
      fail "$algorithm qop=$qop: exit $status, expected 0: $(cat out.txt err.txt uas.err)"
    grep -q "^SIP/2.0 401" out.txt || fail "$algorithm qop=$qop: no 401: $(cat out.txt)"
    grep -q "^SIP/2.0 200" out.txt || fail "$algorithm qop=$qop: no 200: $(cat out.txt)"
  done
done
status=0
timeout 30 "$SIPPET" send --t1 100 --user alice --password secret \
  "sip:SHA-256.auth.407@127.0.0.1:$port" >out.txt 2>err.txt || status=$?
[ "$status" = 0 ] || fail "407: exit $status, expected 0: $(cat out.txt err.txt uas.err)"
grep -q "^SIP/2.0 407" out.txt || fail "407: no 407 printed: $(cat out.txt)"
grep -q "^SIP/2.0 200" out.txt || fail "407: no 200: $(cat out.txt)"
status=0
timeout 30 "$SIPPET" send --t1 100 --user alice --password wrong \
  "sip:SHA-256.auth@127.0.0.1:$port" >out.txt 2>err.txt || status=$?
[ "$status" = 1 ] || fail "wrong password: exit $status, expected 1: $(cat out.txt err.txt)"
grep -q "^SIP/2.0 403" out.txt || fail "wrong password: no 403 printed: $(cat out.txt)"
wait "$uas" || fail "digest_uas.py failed: $(cat uas.err)"
echo "ok: 6 algorithms x qop auth, auth-int and a 407 accepted by hashlib's digest; wrong password 403"
