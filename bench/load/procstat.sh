# Helpers for bench/load.sh: CPU time and peak RSS of a process group, read
# from /proc (proc(5)). Sourced, not run.

# All live pids whose process group is $1.
group_pids() {
  local pgid=$1 stat rest pid
  for stat in /proc/[0-9]*/stat; do
    # Field 2 (comm) may hold spaces: cut everything up to the last ')'.
    read -r stat_line 2>/dev/null <"$stat" || continue
    pid=${stat_line%% *}
    rest=${stat_line##*) }
    # rest: state ppid pgrp ...
    set -- $rest
    [ "$3" = "$pgid" ] && echo "$pid"
  done
}

# User+system CPU of the group in clock ticks: utime+stime of every live
# process (all its threads, live or exited) plus cutime+cstime (children
# already reaped).
group_cpu_ticks() {
  local pgid=$1 total=0 pid rest
  for pid in $(group_pids "$pgid"); do
    read -r stat_line 2>/dev/null <"/proc/$pid/stat" || continue
    rest=${stat_line##*) }
    set -- $rest
    # rest fields: 1 state ... 12 utime 13 stime 14 cutime 15 cstime
    total=$((total + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$total"
}

# Sum of VmHWM (peak resident set) of the group's processes, in KiB.
group_peak_rss_kib() {
  local pgid=$1 total=0 pid kib
  for pid in $(group_pids "$pgid"); do
    kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# True when something listens on UDP port $1 (any address).
udp_port_bound() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v h=":$hex" 'NR > 1 && substr($2, length($2) - 4) == h {found = 1} END {exit !found}' \
    /proc/net/udp /proc/net/udp6 2>/dev/null
}
