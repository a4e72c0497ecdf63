#!/usr/bin/env bash
# Bad REGISTERs to `sippet serve --mode registrar --db FILE`: a malformed
# Contact or Expires, `*` with another contact or a non-zero Expires, a tel:
# To, 2^32 as expires param and header (400/404, nothing stored); the same
# Call-ID with a CSeq not higher (500, nothing changed); 3,000 contacts over
# the cap (403, nothing stored) and 10,000 (over the transport's message
# size, refused, nothing stored). Then expiry on a short Expires (the row
# swept from the file). The registrar's own cap test with 10,000 contacts
# is a unit test (registrar_test.cpp): here the transport's limit comes
# first.
source "$(dirname "$0")/lib.sh"
init "$@"
start_registrar --min-expires 1

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
# One phone sends them in turn (one process: Python starts once); each
# final status is checked against the expected one. The refused ones name
# contact :5997, which must never be stored.
: >batch.txt
: >expected.txt
add() {  # <expected status>: the request on stdin (add runs in a pipeline's subshell)
  cat >>batch.txt
  echo "====" >>batch.txt
  echo "$1" >>expected.txt
}
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5997' | add 400
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5997>' 'Expires: soon' | add 400
register sip:eve@127.0.0.1 1 'Contact: *' 'Contact: <sip:eve@127.0.0.1:5997>' 'Expires: 0' |
  add 400
register sip:eve@127.0.0.1 1 'Contact: *' 'Expires: 600' | add 400
register tel:+15551234 1 'Contact: <sip:eve@127.0.0.1:5997>' | add 404
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5997>;expires=4294967296' | add 400
register sip:eve@127.0.0.1 1 'Contact: <sip:eve@127.0.0.1:5997>' 'Expires: 4294967296' | add 400
# §10.3 step 7: the same Call-ID with a CSeq not higher changes nothing.
CALL_ID=order-$$ register sip:eve@127.0.0.1 5 'Contact: <sip:eve@127.0.0.1:5999>' | add 200
CALL_ID=order-$$ register sip:eve@127.0.0.1 5 'Contact: <sip:eve@127.0.0.1:5999>' 'Expires: 0' |
  add 500
"${PHONE[@]}" request "$REG_PORT" <batch.txt >statuses.txt || fail "a request had no answer"
mapfile -t expected <expected.txt
i=0
while read -r _ code reason; do
  [ "$code" = "${expected[$i]:-none}" ] ||
    { cat statuses.txt >&2; fail "request $((i + 1)): expected ${expected[$i]}, got $code"; }
  echo "ok: $code ${reason%$'\r'}"
  i=$((i + 1))
done <statuses.txt
[ "$i" = "${#expected[@]}" ] || fail "$i answers to ${#expected[@]} requests"
[ "$(contacts_of sip:eve@127.0.0.1)" = "sip:eve@127.0.0.1:5999" ] ||
  fail "eve: not exactly the binding of the accepted REGISTER"
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
rows() { sqlite3 "$DB" "select count(*) from bindings where aor = '$1'"; }
swept=0
for _ in $(seq 1 50); do
  [ "$(rows sip:carol@127.0.0.1)" = 0 ] && { swept=1; break; }
  sleep 0.1
done
[ "$swept" = 1 ] || fail "carol's binding was not swept from the file within 5 s"
echo "ok: carol's binding expired and was swept"

stop_registrar
