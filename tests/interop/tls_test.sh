#!/usr/bin/env bash
# `sippet send` over TLS to `sippet serve --listen tls:` with a certificate
# made here by the openssl CLI: verified by name (sips:, SNI, RFC 5922) and
# by address, refused for an untrusted server, accepted with
# --tls-insecure; a sips: URI over UDP refused.
source "$(dirname "$0")/lib.sh"
init "$@"

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
[ "$status" = 2 ] && grep -q "certificate verify failed" send.out ||
  { cat send.out >&2; fail "an untrusted server was accepted (exit $status)"; }
"$SIPPET" send --tls-insecure "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 ||
  { cat send.out >&2; fail "--tls-insecure"; }
status=0
"$SIPPET" send --transport udp "sips:bob@localhost:$SERVE_PORT" >send.out 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "needs TLS" send.out || fail "sips: over UDP was not refused"

stop_serve
