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
