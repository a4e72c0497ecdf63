#!/usr/bin/env bash
# Kamailio as the TLS client SIPp cannot be: SIPp over UDP -> Kamailio
# (bench/anchors/kamailio/tls-relay.cfg) -> TLS -> `sippet serve --listen
# tls:` with a certificate made here: every call must succeed. Skipped (77)
# without Kamailio's TLS module (kamailio-tls-modules).
source "$(dirname "$0")/lib.sh"
init "$@"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v kamailio >/dev/null ||
  [ ! -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ]; then
  echo "skip: Kamailio with kamailio-tls-modules is not installed"
  exit 77
fi

mkdir tls
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout tls/key.pem -out tls/cert.pem \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >openssl.log 2>&1 ||
  { cat openssl.log >&2; fail "openssl could not make a certificate"; }
SERVE_PROTOCOL=tls start_serve --threads 2 --tls-cert tls/cert.pem --tls-key tls/key.pem
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
