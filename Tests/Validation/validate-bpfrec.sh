#!/bin/sh
# The real check: bpfrec records a workload while the live libbpf-tools and bpftrace tools run on
# it; bpfan's answers from the recording are diffed against the live output.
# Usage: Tests/Validation/validate-bpfrec.sh [outdir]  (root; builds must exist in .build/debug)
set -eu
out=${1:-/tmp/bpfan-validate-bpfrec}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bpfrec=$repo/.build/debug/bpfrec
bpfan=$repo/.build/debug/bpfan
mkdir -p "$out"
cd "$out"
rm -f run.trc live.*
cp /bin/cat vt-cat; cp /usr/bin/stat vt-stat; cp /bin/sh vt-sh
truncate -s 64M loop.img
loop=$(losetup -f --show loop.img)
ln=$(basename "$loop")
trap 'losetup -d "$loop"' EXIT
# Syscalls of one known process (exec keeps the pid), counted by syscount -p.
sh -c 'sleep 8; exec dd if=/dev/zero of='"$out"'/dd.data bs=4k count=300 oflag=direct,dsync' 2>/dev/null &
wl=$!
"$bpfrec" record -o run.trc --families proc,syscalls,block -d 16 2> bpfrec.log &
rec=$!
for t in opensnoop killsnoop exitsnoop; do stdbuf -oL /usr/sbin/$t > live.$t 2>&1 & done
stdbuf -oL /usr/sbin/execsnoop -x > live.execsnoop 2>&1 &
stdbuf -oL /usr/sbin/syscount -p "$wl" -T 500 -d 15 > live.syscount 2>&1 &
stdbuf -oL /usr/sbin/syscount -p "$wl" -L -T 500 -d 15 > live.syscount-L 2>&1 &
stdbuf -oL /usr/sbin/syscount -p "$wl" -P -d 15 > live.syscount-P 2>&1 &
for t in biolatency biopattern bitesize; do stdbuf -oL /usr/sbin/$t -d "$ln" 15 1 > live.$t-loop 2>&1 & done
stdbuf -oL /usr/sbin/biolatency -d "$ln" -F 15 1 > live.biolatency-F-loop 2>&1 &
stdbuf -oL /usr/sbin/biolatency -d "$ln" -Q 15 1 > live.biolatency-Q-loop 2>&1 &
for t in opensnoop statsnoop killsnoop execsnoop; do stdbuf -oL bpftrace /usr/sbin/$t.bt > live.$t.bt 2>/dev/null & done
sleep 6
./vt-cat /etc/hostname /nonexistent > /dev/null 2>&1 || true
./vt-stat /etc /nonexistent > /dev/null 2>&1 || true
./vt-sh -c 'kill -0 $$; kill -s USR1 999999; exit 3' 2>/dev/null || true
./vt-sh -c 'kill -9 $$' || true
./vt-sh -c 'exec /bin/echo hi "there x"' > /dev/null
./vt-sh -c '/nonexistent/x a b; /bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22' 2>/dev/null || true
dd if=/dev/zero of="$loop" bs=4k count=200 oflag=direct 2>/dev/null
dd if=/dev/zero of="$loop" bs=64k count=20 seek=100 oflag=direct 2>/dev/null
for s in 7 300 42 900 5; do dd if="$loop" of=/dev/null bs=8k count=1 skip=$s iflag=direct 2>/dev/null; done
wait "$rec" || true
sleep 1
kill -INT $(pgrep -f '^/usr/sbin/(opensnoop|killsnoop|exitsnoop|execsnoop)') $(pgrep -f 'bpftrace /usr/sbin/') 2>/dev/null || true
sleep 2
set +e  # from here on a failed grep or diff is a result, not an error
tail -1 bpfrec.log
same() { diff "$1" "$2" > /dev/null && echo "identical ($(($(wc -l < "$1") - ${3:-0})) rows)" || diff "$1" "$2"; }
rows() { { head -1 "$1"; grep -E '(^| )vt-' "$1"; }; }
for t in opensnoop exitsnoop; do
  rows live.$t > live.$t.rows
  $bpfan $t run.trc > bpfan.$t; rows bpfan.$t > bpfan.$t.rows
  echo "== $t (rows of vt- tasks)"; same live.$t.rows bpfan.$t.rows 1
done
rows live.killsnoop | cut -c10- > live.killsnoop.rows
$bpfan killsnoop run.trc > bpfan.killsnoop; rows bpfan.killsnoop | cut -c10- > bpfan.killsnoop.rows
echo "== killsnoop (rows of vt- tasks, time cut)"; same live.killsnoop.rows bpfan.killsnoop.rows 1
# The workload's execs: by the vt-sh shells themselves or by their children.
vsh=$(grep -E '^vt-sh ' live.exitsnoop | awk '{print $2}' | tr '\n' ' ')
pick() { { head -1 "$1"; awk -v v=" $vsh" 'NR > 1 && (index(v, " " $2 " ") || index(v, " " $3 " "))' "$1"; }; }
pids=$(pick live.execsnoop | awk 'NR > 1 {print $2}' | sort -u)
$bpfan execsnoop -x run.trc > bpfan.execsnoop
pick live.execsnoop > live.execsnoop.rows; pick bpfan.execsnoop > bpfan.execsnoop.rows
echo "== execsnoop -x (rows of the workload's pids)"; same live.execsnoop.rows bpfan.execsnoop.rows 1
tail -n +3 live.syscount | sort > live.syscount.sorted
$bpfan syscount -p "$wl" -T 500 run.trc | tail -n +3 | sort > bpfan.syscount.sorted
echo "== syscount -p $wl -T 500 (sorted)"; same live.syscount.sorted bpfan.syscount.sorted
tail -n +3 live.syscount-L | awk '{print $1, $2}' | sort > live.syscount-L.counts
$bpfan syscount -L -p "$wl" -T 500 run.trc | tail -n +3 | awk '{print $1, $2}' | sort > bpfan.syscount-L.counts
echo "== syscount -L -p $wl (counts)"; same live.syscount-L.counts bpfan.syscount-L.counts
echo "   latencies (live | bpfan):"; paste live.syscount-L bpfan.syscount-L 2>/dev/null | head -0
$bpfan syscount -L -p "$wl" -T 5 run.trc | tail -n +4 > bpfan.syscount-L.top; tail -n +4 live.syscount-L | head -5 > live.syscount-L.top
paste -d'|' live.syscount-L.top bpfan.syscount-L.top
tail -n +3 live.syscount-P > live.syscount-P.table
$bpfan syscount -P -p "$wl" run.trc | tail -n +3 > bpfan.syscount-P.table
echo "== syscount -P -p $wl (the name is the process's after its exec)"; same live.syscount-P.table bpfan.syscount-P.table
for t in biolatency biopattern bitesize; do
  $bpfan $t -d "$ln" run.trc > bpfan.$t-loop
  echo "== $t -d $ln"; same live.$t-loop bpfan.$t-loop
done
$bpfan biolatency -d "$ln" -F run.trc > bpfan.biolatency-F-loop; echo "== biolatency -F -d $ln"; same live.biolatency-F-loop bpfan.biolatency-F-loop
$bpfan biolatency -d "$ln" -Q run.trc > bpfan.biolatency-Q-loop; echo "== biolatency -Q -d $ln"; same live.biolatency-Q-loop bpfan.biolatency-Q-loop
for t in opensnoop statsnoop; do
  grep ' vt-' live.$t.bt > live.$t.bt.rows; $bpfan $t.bt run.trc | grep ' vt-' > bpfan.$t.bt.rows
  echo "== $t.bt (rows of vt- tasks)"; same live.$t.bt.rows bpfan.$t.bt.rows
done
grep ' vt-' live.killsnoop.bt | cut -c11- > live.killsnoop.bt.rows; $bpfan killsnoop.bt run.trc | grep ' vt-' | cut -c11- > bpfan.killsnoop.bt.rows
echo "== killsnoop.bt (rows of vt- tasks, time cut)"; same live.killsnoop.bt.rows bpfan.killsnoop.bt.rows
for p in $pids; do awk -v p="$p" '$2 == p { $1 = ""; print }' live.execsnoop.bt; done > live.execsnoop.bt.rows
$bpfan execsnoop.bt run.trc > bpfan.execsnoop.bt
for p in $pids; do awk -v p="$p" '$2 == p { $1 = ""; print }' bpfan.execsnoop.bt; done > bpfan.execsnoop.bt.rows
echo "== execsnoop.bt (rows of the workload's pids, time cut)"; same live.execsnoop.bt.rows bpfan.execsnoop.bt.rows
$bpfan statsnoop run.trc | grep -cE ' vt-' | sed 's/^/== statsnoop: bpfan rows of vt- tasks (live 0.26 prints none here): /'
