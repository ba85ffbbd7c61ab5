#!/bin/sh
# Like validate.sh for the snoop tools: a workload of renamed binaries (comm "vt-...") runs under
# live opensnoop/statsnoop/killsnoop/exitsnoop and capture-snoop.bt; the capture becomes a .trc
# and the rows of the vt- tasks are diffed. Usage: Tests/Validation/validate-snoop.sh [outdir]
set -eu
out=${1:-/tmp/bpfan-validate-snoop}
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cd "$out"
cp /bin/cat vt-cat; cp /usr/bin/stat vt-stat; cp /bin/sh vt-sh
python3 -c 'import time; print("M", time.clock_gettime_ns(time.CLOCK_MONOTONIC), time.clock_gettime_ns(time.CLOCK_REALTIME))' > capture.txt
bpftrace "$repo/Tests/Validation/capture-snoop.bt" >> capture.txt 2>/dev/null &
bt=$!
for t in opensnoop statsnoop killsnoop exitsnoop; do stdbuf -oL /usr/sbin/$t > live.$t 2>&1 & done
stdbuf -oL /usr/sbin/execsnoop -x > live.execsnoop 2>&1 &
for t in opensnoop statsnoop killsnoop execsnoop; do stdbuf -oL bpftrace /usr/sbin/$t.bt > live.$t.bt 2>/dev/null & done
sleep 8
./vt-cat /etc/hostname /nonexistent > /dev/null 2>&1 || true
./vt-stat /etc /nonexistent > /dev/null 2>&1 || true
./vt-sh -c 'kill -0 $$; kill -s USR1 999999; exit 3' 2>/dev/null || true
./vt-sh -c 'kill -9 $$' || true
./vt-sh -c 'exec /bin/echo hi "there x"' > /dev/null
./vt-sh -c '/nonexistent/x a b; /bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22' 2>/dev/null || true
sleep 2
kill -INT "$bt" $(pgrep -f '^/usr/sbin/(opensnoop|statsnoop|killsnoop|exitsnoop|execsnoop)') $(pgrep -f 'bpftrace /usr/sbin/') 2>/dev/null || true
sleep 1
python3 -c 'import time; print("E", time.clock_gettime_ns(time.CLOCK_MONOTONIC))' >> capture.txt
awk '/^#define __NR_/ { sub("__NR_", "", $2); printf "%s %s\n", $3, $2 }' /usr/include/x86_64-linux-gnu/asm/unistd_64.h > syscalls.txt
: > disks.txt
cd "$repo"
BPFAN_IMPORT="$out" swift test --skip-build --filter importCapture >/dev/null
bpfan=$repo/.build/debug/bpfan
cd "$out"
set +e  # from here on a failed grep or diff is a result, not an error
# libbpf-tools 0.26 statsnoop prints no rows on kernels with the newer syscall tracepoint layout
# (fixed upstream by bcc #4920), so its diff shows bpfan's rows against an empty live list.
# Rows are compared with their counts printed, so an empty comparison cannot pass unnoticed.
same() { diff "$1" "$2" > /dev/null && echo "identical ($(($(wc -l < "$1") - ${3:-0})) rows)" || diff "$1" "$2"; }
for t in opensnoop statsnoop exitsnoop; do
  { head -1 live.$t; grep -E '(^| )vt-' live.$t; } > live.$t.rows
  $bpfan $t run.trc | { IFS= read -r h; echo "$h"; grep -E '(^| )vt-'; } > bpfan.$t.rows
  echo "== $t (rows of vt- tasks): diff live bpfan"; same live.$t.rows bpfan.$t.rows 1
done
# killsnoop's first column is the wall-clock second of the print: compare the rest.
{ head -1 live.killsnoop; grep ' vt-' live.killsnoop; } | cut -c10- > live.killsnoop.rows
$bpfan killsnoop run.trc | { IFS= read -r h; echo "$h"; grep ' vt-'; } | cut -c10- > bpfan.killsnoop.rows
echo "== killsnoop (rows of vt- tasks, time column cut): diff live bpfan"; same live.killsnoop.rows bpfan.killsnoop.rows 1
# execsnoop: the rows of the pids that vt- tasks exec'd (after exec their comm is the new one).
pids=$(awk '/^P / { print $4 }' capture.txt | sort -u)
{ head -1 live.execsnoop; for p in $pids; do awk -v p="$p" '$2 == p' live.execsnoop; done; } > live.execsnoop.rows
$bpfan execsnoop -x run.trc > bpfan.execsnoop.all
{ head -1 bpfan.execsnoop.all; for p in $pids; do awk -v p="$p" '$2 == p' bpfan.execsnoop.all; done; } > bpfan.execsnoop.rows
echo "== execsnoop -x (rows of the exec'ing pids; the script's own exec of ./vt-sh is not a vt- task, so the stand-in does not capture it): diff live bpfan"; same live.execsnoop.rows bpfan.execsnoop.rows 1
# bpftrace tools: rows of vt- tasks (killsnoop.bt without its time column; execsnoop.bt rows
# of the exec'ing pids without the milliseconds-since-start column).
for t in opensnoop statsnoop; do
  grep ' vt-' live.$t.bt > live.$t.bt.rows
  $bpfan $t.bt run.trc | grep ' vt-' > bpfan.$t.bt.rows
  echo "== $t.bt (rows of vt- tasks): diff live bpfan"; same live.$t.bt.rows bpfan.$t.bt.rows
done
grep ' vt-' live.killsnoop.bt | cut -c11- > live.killsnoop.bt.rows
$bpfan killsnoop.bt run.trc | grep ' vt-' | cut -c11- > bpfan.killsnoop.bt.rows
echo "== killsnoop.bt (rows of vt- tasks, time cut): diff live bpfan"; same live.killsnoop.bt.rows bpfan.killsnoop.bt.rows
for p in $pids; do awk -v p="$p" '$2 == p { $1 = ""; print }' live.execsnoop.bt; done > live.execsnoop.bt.rows
$bpfan execsnoop.bt run.trc > bpfan.execsnoop.bt.all
for p in $pids; do awk -v p="$p" '$2 == p { $1 = ""; print }' bpfan.execsnoop.bt.all; done > bpfan.execsnoop.bt.rows
echo "== execsnoop.bt (rows of the exec'ing pids, time cut): diff live bpfan"; same live.execsnoop.bt.rows bpfan.execsnoop.bt.rows
