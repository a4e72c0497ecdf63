#!/usr/bin/env bash
# RFC 3327 Path through `sippet serve --mode registrar`, SIPp playing the
# edge proxy: it forwards a phone's REGISTER with `Path: <sip:edge@...;lr>`
# (scenarios/register_path.xml): stored with its Path, not echoed in the 200
# without `Supported: path`, echoed with it (§5.3). A call to the phone's
# address of record then goes to the first Path hop, with the phone's
# Contact (an address the registrar cannot reach) as Request-URI and the
# Path as a pre-loaded Route (scenarios/uas-path.xml checks both).
source "$(dirname "$0")/lib.sh"
init "$@"
CALLS=3
CONTACT="sip:dave@192.0.2.55:5060"
start_registrar

echo "== the edge forwards dave's REGISTER with a Path"
start_sipp_callee "$CALLS" -sf "$SCENARIOS/uas-path.xml"
EDGE_PORT=$CALLEE_PORT
port=$(free_port)
status=0
timeout 20 "$SIPP" "127.0.0.1:$REG_PORT" -i 127.0.0.1 -p "$port" -m 1 -s dave \
  -sf "$SCENARIOS/register_path.xml" -key contact "$CONTACT" -key edge_port "$EDGE_PORT" \
  -timeout 10s -timeout_error -nostdin -trace_screen -screen_file register_screen.log \
  -trace_err -error_file register_errors.log >register.out 2>&1 || status=$?
[ "$status" = 0 ] ||
  { cat register.out register_errors.log registrar.log >&2 || true; fail "dave's REGISTERs"; }
echo "ok: the Path echoed only with Supported: path"
path=$("$SIPPET" registrations --db "$DB" --json |
  python3 -c 'import json, sys; print(*[b["path"] for b in json.load(sys.stdin) if b["aor"] == "sip:dave@127.0.0.1"])')
[ "$path" = "['<sip:edge@127.0.0.1:$EDGE_PORT;lr>']" ] || fail "dave's stored Path: $path"
echo "ok: stored with its Path $path"

echo "== calls to dave reach the edge with the Path as Route"
run_sipp_to "127.0.0.1:$REG_PORT" "$CALLS" -s dave -sf "$SCENARIOS/uac-rr.xml" -r 20
expect_all_calls_ok "$CALLS"
expect_callee_ok "$CALLS"
stop_registrar
