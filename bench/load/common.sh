# Helpers shared by the load scripts (bench/load*.sh). Sourced, after
# procstat.sh, by scripts that define log().

# Installs the Debian packages among "$@" that are missing (apt-get, as
# root or through sudo).
install_missing() {
  local missing=() p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" != 0 ] && sudo="sudo"
  log "installing ${missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Stops process group $1 (TERM, then KILL after 5 s) and reaps its leader.
stop_group() {
  local pgid=$1
  [ -z "$pgid" ] && return 0
  kill -TERM -- "-$pgid" 2>/dev/null
  for _ in $(seq 50); do
    [ -z "$(group_pids "$pgid")" ] && break
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null
  wait "$pgid" 2>/dev/null
}

# Writes to $1 the dnsmasq configuration of the proxy-to-a-domain runs,
# answering for *.test only: callee.bench.test NAPTR SIP+D2U ->
# _sip._udp.callee.bench.test SRV -> sip.callee.bench.test A 127.0.0.1 at
# port $2, every record with a TTL of an hour (so calls take the cached
# path, as with real TTLs).
write_bench_dnsmasq_conf() {
  cat >"$1" <<CONF
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
local=/test/
pid-file=
user=$(id -un)
group=$(id -gn)
local-ttl=3600
naptr-record=callee.bench.test,10,50,s,SIP+D2U,,_sip._udp.callee.bench.test
srv-host=_sip._udp.callee.bench.test,sip.callee.bench.test,$2,0,10
host-record=sip.callee.bench.test,127.0.0.1
CONF
}

# Repeated measurement. ROUNDS (default 1) repeats the whole SERVERS list,
# interleaved, so that every server meets the same moments of a shared,
# noisy machine; the ratios are then taken between the medians of the runs.
ROUNDS=${ROUNDS:-1}
declare -A cpu_runs=()
declare -A cpu_of=()

# record_cpu NAME VALUE: one more run of NAME (a VALUE of "-" is no figure).
record_cpu() {
  [ "$2" != "-" ] && cpu_runs[$1]+="$2 "
  return 0
}

# Sets cpu_of[NAME] to the median of NAME's runs, for every NAME recorded,
# and prints the runs and the median of each NAME run more than once.
take_medians() {
  local name runs count
  for name in "${!cpu_runs[@]}"; do
    runs=${cpu_runs[$name]}
    cpu_of[$name]=$(printf '%s\n' $runs | sort -g | awk '{v[NR] = $1}
      END {printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
  done
  for name in $(printf '%s\n' "${!cpu_runs[@]}" | sort); do
    runs=${cpu_runs[$name]}
    count=$(wc -w <<<"$runs")
    [ "$count" -gt 1 ] && printf '%-15s median %s µs/call of %d runs: %s\n' "$name" \
      "${cpu_of[$name]}" "$count" "${runs% }"
  done
  return 0
}

# build_release TARGET BINARY: builds the Release TARGET in BUILD_DIR when
# BINARY is missing, or with SIPPET_REBUILD=1; once per run either way (its
# log goes to $work/TARGET-build.log, its end to stderr on failure).
declare -A built_targets=()
build_release() {
  [ -n "${built_targets[$1]:-}" ] && return 0
  built_targets[$1]=1
  [ -x "$2" ] && [ "${SIPPET_REBUILD:-0}" != 1 ] && return 0
  log "building Release ($BUILD_DIR, target $1)"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
    >/dev/null && cmake --build "$BUILD_DIR" --target "$1" -j "${JOBS:-$(nproc)}" \
    >"$work/$1-build.log" 2>&1 || { log "build of $1 failed:"; tail -n 20 "$work/$1-build.log" >&2; }
}

# build_bench_target TARGET: build_release for a program of bench/.
build_bench_target() { build_release "$1" "$BUILD_DIR/bench/$1"; }

# sipp_call_counts STATS: "successful failed" from the last row of SIPp's
# statistics file (-trace_stat -stf STATS -stat_delimiter ';'), "0 0" when
# it cannot be read.
sipp_call_counts() {
  python3 - "$1" <<'PY' 2>/dev/null || echo "0 0"
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
head, last = rows[0], rows[-1]
def col(name):
    return int(last[head.index(name)]) if name in head else 0
print(col("SuccessfulCall(C)"), col("FailedCall(C)"))
PY
}

# cpu_us_per_call TICKS CALLS: CPU µs per call of TICKS clock ticks spent
# over CALLS calls, "-" when there was no call.
ticks_per_s=$(getconf CLK_TCK)
cpu_us_per_call() {
  if [ "$2" -gt 0 ]; then
    awk -v t="$1" -v hz="$ticks_per_s" -v c="$2" 'BEGIN {printf "%.1f", t / hz * 1e6 / c}'
  else
    echo "-"
  fi
}
