#!/usr/bin/env bash
# Sets up the machine, builds, and runs the main program.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release >/dev/null
exec build/release/apps/sippet/sippet serve --mode uas --listen udp:127.0.0.1:5060
