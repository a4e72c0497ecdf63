#!/usr/bin/env bash
# The registrar's database: start-up errors (not a database, another schema
# version, read-only, a directory that cannot be made) are a clear message
# and exit 1; the file made read-only or deleted while running: REGISTERs
# answered 500 with the cause logged, calls to the bindings in memory go on,
# and the process stops cleanly.
source "$(dirname "$0")/lib.sh"
init "$@"

refused() {  # <db> <expected text>
  local status=0
  "$SIPPET" serve --mode registrar --listen udp:127.0.0.1:0 --db "$1" >refused.log 2>&1 ||
    status=$?
  [ "$status" = 1 ] || { cat refused.log >&2; fail "--db $1: exit $status, expected 1"; }
  grep -q "$2" refused.log || { cat refused.log >&2; fail "--db $1: no '$2'"; }
  echo "ok: $(head -1 refused.log)"
}
echo "== start-up errors"
echo "not a database at all, just text that is long enough to be a header page" >garbage.db
refused garbage.db "not a database"
python3 -c 'import sqlite3; c = sqlite3.connect("other.db"); c.execute("pragma user_version = 7"); c.execute("create table t (x)"); c.commit()'
refused other.db "schema version 7"
python3 -c 'import sqlite3; sqlite3.connect("readonly.db").execute("create table t (x)")'
chmod 444 readonly.db
refused readonly.db "read-only"
: >afile
refused afile/sub/registrar.db "cannot create the directory"

echo "== the file made read-only, then deleted, while running"
start_registrar
CALLS=2
KEEP_CALLEE_PORT=0 start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-200.xml"
sipp_register bob "sip:bob@127.0.0.1:$CALLEE_PORT"
register_frank() {
  cat <<REQ
REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=BRANCH
From: <sip:frank@127.0.0.1>;tag=1
To: <sip:frank@127.0.0.1>
Call-ID: CALLID
CSeq: 1 REGISTER
Contact: <sip:frank@127.0.0.1:5997>
Max-Forwards: 70
Content-Length: 0
REQ
}
chmod 444 "$DB"
register_frank | expect_status 500
grep -q "read-only" registrar.log || fail "the cause is not logged"
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s bob -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
chmod 644 "$DB"
register_frank | expect_status 200
rm -f "$DB" "$DB-wal" "$DB-shm"
register_frank | expect_status 500
grep -q "is gone" registrar.log || fail "the cause is not logged"
run_sipp_to "127.0.0.1:$REG_PORT" 1 -s bob -sf "$SCENARIOS/uac-rr.xml"
expect_all_calls_ok 1
expect_callee_ok "$CALLS"
stop_registrar
