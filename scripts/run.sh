#!/usr/bin/env bash
# Sets up the machine, builds the `sippet` tool (that target alone: the
# first start compiles only what it runs), and starts it as a registrar and
# proxy on udp: and tcp:127.0.0.1:5060 (bindings in
# $XDG_DATA_HOME/sippet/registrar.db).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release sippet >/dev/null
exec build/release/apps/sippet/sippet serve
