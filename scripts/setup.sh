#!/usr/bin/env bash
# Installs every Debian package the project needs (build, tests, benchmarks).
# Safe to run repeatedly: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  g++ clang-14 libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libasio-dev libssl-dev openssl  # openssl: the TLS interop test makes its certificate
  libc-ares-dev  # the RFC 3263 resolver (src/dns)
  dnsmasq        # the DNS server the resolver tests start on loopback
  libsqlite3-dev libpq-dev  # the registrar's bindings
  sqlite3  # the registrar tests read the database file
  postgresql  # its storage test starts a throwaway cluster
  libsofia-sip-ua-dev libosip2-dev
  sip-tester
  prometheus  # promtool: the metrics interop test checks the exposition with it
  tshark sngrep
  kamailio kamailio-tls-modules kamailio-sqlite-modules  # peers of the proxy and TLS interop
  # tests, and the load scripts' anchors (registrar-sqlite.cfg)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  # tshark asks whether non-root users may capture: no, and no question.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
