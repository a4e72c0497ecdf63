#!/usr/bin/env bash
# Registrar load figures: SIPp running bench/anchors/sipp/register.xml (one
# REGISTER per call, each for a new address of record user<N>, Expires 3600)
# at RATE REGISTERs/s for CALLS, against each registrar in turn:
#   sippet    sippet serve --mode registrar --db FILE (SQLite: a 200 only once
#             the binding is committed, writes grouped into transactions)
#   kamailio  bench/anchors/kamailio/registrar-sqlite.cfg (usrloc db_mode=1:
#             written through to SQLite, one worker; its database made with
#             Kamailio's own schema)
#   sippet-auth, kamailio-auth
#             the same with Digest authentication of every REGISTER: SIPp runs
#             bench/anchors/sipp/register-auth.xml (REGISTER, 401, REGISTER
#             with MD5 credentials of one user, 200; a new Call-ID each, so
#             each replaces the binding), against `sippet serve --users FILE
#             --auth-algorithm MD5` (an HA1 line) and
#             bench/anchors/kamailio/registrar-auth-sqlite.cfg (auth_db, the
#             HA1 in its subscriber table)
# For each it prints successful and failed REGISTERs, CPU µs per REGISTER
# (user+sys of all its processes over the run), peak RSS, the database's
# size and the bindings in it after the run; then the ratio sippet/kamailio.
# Then, for sippet: RSS and database size with BIG bindings (100,000) stored,
# and the time from start to listening with them.
#
# A measuring script, never a failing test: it exits 0 whatever the figures.
# Environment: RATE (500), CALLS (10000), BIG (100000), PORT (5080: the
#   Kamailio configuration listens there), SERVERS ("sippet kamailio"),
#   BUILD_DIR (build/release), THREADS (sippet --threads), SIPPET_BIN.
# An authenticated REGISTER is one call of two transactions (the 401 and the
# 200): its CPU figure is per call, the 401 round trip included.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/load/procstat.sh
source bench/load/common.sh

RATE=${RATE:-500}
CALLS=${CALLS:-10000}
BIG=${BIG:-100000}
PORT=${PORT:-5080}
SERVERS=${SERVERS:-"sippet kamailio sippet-auth kamailio-auth"}
BUILD_DIR=${BUILD_DIR:-$root/build/release}
sippet_bin=${SIPPET_BIN:-$BUILD_DIR/apps/sippet/sippet}
work=$(mktemp -d /tmp/sippet-load-registrar.XXXXXX)
run_timeout=$((CALLS / RATE + 60))

log() { echo "load_registrar: $*" >&2; }



# start_group VAR LOG command...: in a new session, until it listens on PORT.
start_group() {
  local var=$1 logfile=$2
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  local pgid=$!
  printf -v "$var" '%s' "$pgid"
  for _ in $(seq 600); do
    udp_port_bound "$PORT" && return 0
    kill -0 "$pgid" 2>/dev/null || break
    sleep 0.05
  done
  log "$logfile: nothing listens on 127.0.0.1:$PORT; its end:"
  tail -n 20 "$logfile" >&2
  stop_group "$pgid"
  printf -v "$var" '%s' ""
  return 1
}

server_pgid=""
trap 'stop_group "$server_pgid"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

bindings_in() {  # <db> <table>
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from " + sys.argv[2]).fetchone()[0])' "$1" "$2" 2>/dev/null || echo "-"
}
db_kib() { du -k -c "$1"* 2>/dev/null | tail -1 | cut -f1; }

# One row: "name successful failed cpu_us peak_rss_kib db_kib bindings note"
results=()
measure() {
  local name=$1 db=$2 table=$3
  shift 3
  if udp_port_bound "$PORT"; then
    results+=("$name - - - - - - busy-port")
    return
  fi
  if ! start_group server_pgid "$work/$name.log" "$@"; then
    results+=("$name - - - - - - did-not-start")
    return
  fi
  sleep 0.5
  local cpu_before cpu_after stats rc
  cpu_before=$(group_cpu_ticks "$server_pgid")
  stats=$work/$name.stat.csv
  timeout --signal=INT --kill-after=10 "$((run_timeout + 15))" \
    sipp "127.0.0.1:$PORT" "${scenario[@]}" -i 127.0.0.1 -p 0 \
    -r "$RATE" -m "$CALLS" -nostdin -timeout "${run_timeout}s" -trace_stat \
    -stf "$stats" -fd 1 -stat_delimiter ';' >"$work/$name.sipp.log" 2>&1
  rc=$?
  cpu_after=$(group_cpu_ticks "$server_pgid")
  local rss_kib
  rss_kib=$(group_peak_rss_kib "$server_pgid")
  stop_group "$server_pgid"
  server_pgid=""
  local successful failed
  read -r successful failed < <(sipp_call_counts "$stats")
  local cpu_us
  cpu_us=$(cpu_us_per_call "$((cpu_after - cpu_before))" "$((successful + failed))")
  log "$name: sipp exit $rc, $successful successful, $failed failed"
  results+=("$name $successful $failed $cpu_us $rss_kib $(db_kib "$db") $(bindings_in "$db" "$table") ok")
}

install_missing sip-tester kamailio kamailio-sqlite-modules sqlite3

threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
# The authenticated runs' user: bench / secret in example.com, stored as HA1.
auth_user=bench
auth_ha1=$(printf '%s' "$auth_user:example.com:secret" | md5sum | cut -d' ' -f1)
printf '%s example.com MD5 %s\n' "$auth_user" "$auth_ha1" >"$work/users.txt"
plain=(-sf bench/anchors/sipp/register.xml)
authenticated=(-sf bench/anchors/sipp/register-auth.xml -au "$auth_user" -ap secret
  -auth_uri example.com)
# kamailio_db FILE [SCHEMA...]: a database made with Kamailio's own schema.
kamailio_db() {
  local db=$1 schema
  shift
  for schema in standard usrloc "$@"; do
    sqlite3 "$db" <"/usr/share/kamailio/db_sqlite/$schema-create.sql"
  done
}
for server in $SERVERS; do
  case "$server" in
    sippet | sippet-auth)
      scenario=("${plain[@]}")
      users=()
      if [ "$server" = sippet-auth ]; then
        scenario=("${authenticated[@]}")
        users=(--users "$work/users.txt" --realm example.com --auth-algorithm MD5)
      fi
      measure "$server" "$work/$server.db" bindings "$sippet_bin" serve --mode registrar \
        --listen "udp:127.0.0.1:$PORT" --db "$work/$server.db" "${threads[@]}" \
        "${users[@]}"
      ;;
    kamailio | kamailio-auth)
      kdb=$work/$server.db
      cfg=registrar-sqlite.cfg
      scenario=("${plain[@]}")
      if [ "$server" = kamailio-auth ]; then
        kamailio_db "$kdb" auth_db
        sqlite3 "$kdb" "insert into subscriber (username, domain, ha1)
          values ('$auth_user', 'example.com', '$auth_ha1')"
        cfg=registrar-auth-sqlite.cfg
        scenario=("${authenticated[@]}")
      else
        kamailio_db "$kdb"
      fi
      sed "s|/tmp/kamailio-registrar.db|$kdb|g; s|udp:127.0.0.1:5080|udp:127.0.0.1:$PORT|" \
        "bench/anchors/kamailio/$cfg" >"$work/$server.cfg"
      measure "$server" "$kdb" location kamailio -DD -E -m 512 -f "$work/$server.cfg"
      ;;
  esac
done

echo
echo "REGISTER load: $CALLS REGISTERs at $RATE/s (register.xml: a new address of record each;"
echo "  -auth rows: register-auth.xml, 401 then 200 for one user, a write each)"
printf '%-14s %11s %7s %13s %14s %10s %9s  %s\n' registrar successful failed "CPU µs/REG" \
  "peak RSS MiB" "db KiB" bindings note
declare -A cpu
for row in "${results[@]}"; do
  read -r name ok bad c rss dbk n note <<<"$row"
  rss_mib="-"
  [ "$rss" != "-" ] && rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  printf '%-14s %11s %7s %13s %14s %10s %9s  %s\n' "$name" "$ok" "$bad" "$c" "$rss_mib" "$dbk" "$n" "$note"
  cpu[$name]=$c
done
# ratio OURS KAMAILIO LABEL
ratio() {
  local ours=${cpu[$1]:--} theirs=${cpu[$2]:--}
  [ "$ours" = - ] || [ "$theirs" = - ] && return 0
  awk -v s="$ours" -v k="$theirs" -v label="$3, $1/$2" \
    'BEGIN {if (k > 0) printf "%s: %.3f\n", label, s / k}'
}
ratio sippet kamailio "CPU per REGISTER"
ratio sippet-auth kamailio-auth "CPU per authenticated REGISTER"

# sippet with BIG bindings stored: start-up time, RSS, file size.
case " $SERVERS " in *" sippet "*) ;; *) exit 0 ;; esac
big=$work/big.db
if start_group server_pgid "$work/big-create.log" "$sippet_bin" serve --mode registrar \
  --listen "udp:127.0.0.1:$PORT" --db "$big"; then
  stop_group "$server_pgid"
  server_pgid=""
  python3 - "$big" "$BIG" "$PORT" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
rows = ((f"sip:user{i}@example.com", f"sip:user{i}@127.0.0.1:{10000 + i % 50000}", "", -1, "", 0,
         f"call{i}", 1, now + 3600, "", f"UDP|127.0.0.1:{sys.argv[3]}|127.0.0.1:{10000 + i % 50000}|0")
        for i in range(int(sys.argv[2])))
db.executemany("insert into bindings values (?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
  start=$(date +%s.%N)
  if start_group server_pgid "$work/big.log" "$sippet_bin" serve --mode registrar \
    --listen "udp:127.0.0.1:$PORT" --db "$big"; then
    ready=$(date +%s.%N)
    sleep 0.5
    rss=$(group_peak_rss_kib "$server_pgid")
    stop_group "$server_pgid"
    server_pgid=""
    echo
    awk -v n="$BIG" -v t="$(awk -v a="$start" -v b="$ready" 'BEGIN {print b - a}')" \
      -v r="$rss" -v d="$(db_kib "$big")" 'BEGIN {printf "sippet with %d bindings: start to listening %.2f s, peak RSS %.1f MiB, database %.1f MiB\n", n, t, r / 1024, d / 1024}'
    grep -o "([0-9]* loaded)" "$work/big.log"
  fi
fi
exit 0
