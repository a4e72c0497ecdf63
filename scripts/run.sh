#!/usr/bin/env bash
# Sets up the machine, builds the `sippet` tool (that target alone: the
# first start compiles only what it runs), and starts it as a UAS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release sippet >/dev/null
exec build/release/apps/sippet/sippet serve --mode uas --listen udp:127.0.0.1:5060
