#!/usr/bin/env bash
# `sippet serve --answer 486 --t1 50`: SIPp never ACKs the 486, so the
# server INVITE transaction retransmits it on Timer G, doubling from T1 and
# capped at T2 (8*T1 here), and gives up at Timer H = 64*T1 (RFC 3261
# §17.2.1). The arrival times come from SIPp's message trace.
source "$(dirname "$0")/lib.sh"
init "$@"
T1=50
start_serve --answer 486 --t1 "$T1"
run_sipp 1 -sf "$SCENARIOS/invite_no_ack.xml" -trace_msg
[ "$SIPP_STATUS" = 0 ] || { cat screen.log >&2; fail "sipp exit $SIPP_STATUS"; }
stop_serve

# Milliseconds (of the day) at which each 486 arrived.
awk '
  /^-----+ [0-9-]+ [0-9:.]+$/ { split($3, t, ":"); ts = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000; next }
  /^UDP message received/ { rx = 1; next }
  rx && /^SIP\/2.0 486/ { printf "%.3f\n", ts; rx = 0; next }
  /^(SIP\/2.0|[A-Z]+ sip:)/ { rx = 0 }
' ./*_messages.log >times.txt
echo "486 arrivals (ms): $(tr '\n' ' ' <times.txt)"

awk -v t1="$T1" '
  { t[NR] = $1 }
  END {
    n = NR; t2 = 8 * t1; h = 64 * t1; bad = 0
    if (n < 10 || n > 11) { printf "expected 10-11 copies of the 486 (1 + retransmissions), got %d\n", n; bad = 1 }
    expected = t1
    for (i = 2; i <= n; i++) {
      d = t[i] - t[i - 1]
      slack = expected * 0.2; if (slack < 20) slack = 20
      if (d < expected - slack || d > expected + slack) {
        printf "interval %d: %.1f ms, expected %d (Timer G)\n", i - 1, d, expected; bad = 1
      }
      expected = expected * 2; if (expected > t2) expected = t2
    }
    if (t[n] - t[1] > h + 60) { printf "a 486 %.1f ms after the first: past Timer H (%d ms)\n", t[n] - t[1], h; bad = 1 }
    exit bad
  }
' times.txt || fail "Timer G / Timer H behaviour"
echo "ok: $(wc -l <times.txt) copies, intervals double from T1 to T2, none after Timer H"
