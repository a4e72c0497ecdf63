#!/usr/bin/env bash
# TLS with real peers. `sippet send` over TLS to `sippet serve --listen
# tls:` with a certificate made here by the openssl CLI: verified by name
# (sips:, SNI, RFC 5922), refused for an untrusted server, accepted with
# --tls-insecure. Then Kamailio as the TLS client SIPp cannot be: SIPp over
# UDP -> Kamailio (bench/anchors/kamailio/tls-relay.cfg) -> TLS -> serve:
# every call must succeed. Skipped (77) without Kamailio's TLS module.
source "$(dirname "$0")/lib.sh"
init "$@"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

mkdir tls
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout tls/key.pem -out tls/cert.pem \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >openssl.log 2>&1 ||
  { cat openssl.log >&2; fail "openssl could not make a certificate"; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout tls/other-key.pem \
  -out tls/other.pem -subj /CN=other >>openssl.log 2>&1 || fail "openssl (other)"

SERVE_PROTOCOL=tls start_serve --threads 2 --tls-cert tls/cert.pem --tls-key tls/key.pem

"$SIPPET" send --tls-ca tls/cert.pem "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 ||
  { cat send.out serve.log >&2; fail "sippet send sips: by name"; }
grep -q "SIP/2.0 200" send.out || fail "no 200 over TLS"
"$SIPPET" send --method INVITE --tls-ca tls/cert.pem "sip:bob@127.0.0.1:$SERVE_PORT;transport=tls" \
  >send.out 2>&1 || { cat send.out >&2; fail "sippet send INVITE ;transport=tls by address"; }
status=0
"$SIPPET" send --t1 50 --tls-ca tls/other.pem "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 ||
  status=$?
[ "$status" = 2 ] || { cat send.out >&2; fail "an untrusted server was accepted (exit $status)"; }
"$SIPPET" send --tls-insecure "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 ||
  { cat send.out >&2; fail "--tls-insecure"; }
status=0
"$SIPPET" send --transport udp "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "needs TLS" send.out || fail "sips: over UDP was not refused"

if ! command -v kamailio >/dev/null ||
  [ ! -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ]; then
  echo "skip: Kamailio with kamailio-tls-modules is not installed"
  stop_serve
  exit 77
fi
UDP_PORT=$(free_port)
TLS_PORT=$(free_port)
sed -e "s/127\.0\.0\.1:5080/127.0.0.1:$UDP_PORT/; s/127\.0\.0\.1:5082/127.0.0.1:$TLS_PORT/" \
  -e "s/\"127\.0\.0\.1\", 5081/\"127.0.0.1\", $SERVE_PORT/" \
  -e "s|/tmp/sippet-anchor-tls|$WORK/tls|" \
  "$ROOT/bench/anchors/kamailio/tls-relay.cfg" >relay.cfg
setsid kamailio -f relay.cfg -DD -E -w "$WORK" -Y "$WORK" >kamailio.log 2>&1 </dev/null &
EXTRA_GROUPS=$!
for _ in $(seq 1 100); do
  ss -Hlun "sport = :$UDP_PORT" | grep -q . && break
  kill -0 "$EXTRA_GROUPS" 2>/dev/null || { cat kamailio.log >&2; fail "kamailio did not start"; }
  sleep 0.1
done
SERVE_PORT=$UDP_PORT run_sipp 300 -sn uac -r 100
expect_all_calls_ok 300
stop_serve
