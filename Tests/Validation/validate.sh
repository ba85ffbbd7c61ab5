#!/bin/sh
# Runs a workload under the live libbpf-tools and under a bpftrace stand-in recorder at the same
# time, turns the capture into a .trc (ImportCapture test) and diffs bpfan's answers against the
# live tools'. Needs root, bpftrace, libbpf-tools. Usage: Tests/Validation/validate.sh [outdir]
set -eu
out=${1:-/tmp/bpfan-validate}
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cd "$out"
# A loop device of our own: its I/O is only the workload's, so whole-disk tools compare exactly.
truncate -s 64M loop.img
loop=$(losetup -f --show loop.img)
ln=$(basename "$loop")
trap 'losetup -d "$loop"' EXIT
# The workload waits for the tracers, then does known I/O and syscalls; exec keeps its pid.
sh -c 'sleep 5; exec dd if=/dev/zero of='"$out"'/dd.data bs=4k count=300 oflag=direct,dsync' 2>/dev/null &
wl=$!
sh -c 'sleep 7; dd if=/dev/zero of='"$loop"' bs=4k count=200 oflag=direct; dd if=/dev/zero of='"$loop"' bs=64k count=20 seek=100 oflag=direct;
       for s in 7 300 42 900 5; do dd if='"$loop"' of=/dev/null bs=8k count=1 skip=$s iflag=direct; done' 2>/dev/null &
python3 -c 'import time; print("M", time.clock_gettime_ns(time.CLOCK_MONOTONIC), time.clock_gettime_ns(time.CLOCK_REALTIME))' > capture.txt
bpftrace "$repo/Tests/Validation/capture.bt" "$wl" >> capture.txt 2>/dev/null &
bt=$!
stdbuf -oL /usr/sbin/syscount -p "$wl" -d 12 > live.syscount 2>&1 &
stdbuf -oL /usr/sbin/syscount -p "$wl" -T 500 -d 12 > live.syscount-all 2>&1 &
stdbuf -oL /usr/sbin/syscount -p "$wl" -L -d 12 > live.syscount-L 2>&1 &
stdbuf -oL /usr/sbin/biolatency -D 12 1 > live.biolatency 2>&1 &
stdbuf -oL /usr/sbin/bitesize -c dd 12 1 > live.bitesize 2>&1 &
stdbuf -oL /usr/sbin/biolatency -d "$ln" 12 1 > live.biolatency-loop 2>&1 &
stdbuf -oL /usr/sbin/biopattern -d "$ln" 12 1 > live.biopattern-loop 2>&1 &
stdbuf -oL /usr/sbin/bitesize -d "$ln" 12 1 > live.bitesize-loop 2>&1 &
stdbuf -oL bpftrace /usr/sbin/bitesize.bt > live.bitesize.bt 2>/dev/null &
btb=$!
sleep 13
kill -INT "$bt" "$btb" 2>/dev/null || true
sleep 1
python3 -c 'import time; print("E", time.clock_gettime_ns(time.CLOCK_MONOTONIC))' >> capture.txt
grep -E '^[0-9]+' /usr/include/x86_64-linux-gnu/asm/unistd_64.h >/dev/null 2>&1 || true
awk '/^#define __NR_/ { sub("__NR_", "", $2); printf "%s %s\n", $3, $2 }' /usr/include/x86_64-linux-gnu/asm/unistd_64.h > syscalls.txt
for d in /sys/block/*; do echo "$(cat $d/dev) $(basename $d)"; done > disks.txt
cd "$repo"
BPFAN_IMPORT="$out" swift test --skip-build --filter importCapture >/dev/null
bpfan=$repo/.build/debug/bpfan
tail -n +3 "$out/live.syscount" > "$out/live.syscount.table"
$bpfan syscount -p "$wl" "$out/run.trc" | tail -n +3 > "$out/bpfan.syscount.table"
tail -n +3 "$out/live.syscount-L" > "$out/live.syscount-L.table"
$bpfan syscount -L -p "$wl" "$out/run.trc" | tail -n +3 > "$out/bpfan.syscount-L.table"
$bpfan biolatency -D "$out/run.trc" > "$out/bpfan.biolatency"
$bpfan bitesize -c dd "$out/run.trc" > "$out/bpfan.bitesize"
echo "== syscount -p $wl (top 10; the live tool orders equal counts arbitrarily): diff live bpfan"
diff "$out/live.syscount.table" "$out/bpfan.syscount.table" && echo identical
echo "== syscount -T 500 -p $wl, every syscall, sorted: diff live bpfan"
tail -n +3 "$out/live.syscount-all" | sort > "$out/live.syscount-all.sorted"
$bpfan syscount -T 500 -p "$wl" "$out/run.trc" | tail -n +3 | sort > "$out/bpfan.syscount-all.sorted"
diff "$out/live.syscount-all.sorted" "$out/bpfan.syscount-all.sorted" && echo identical
echo "== syscount -L -p $wl: counts (latencies differ by the stand-in recorder's own probe cost)"
awk '{print $1, $2}' "$out/live.syscount-L.table" | sort > "$out/live.L.counts"
awk '{print $1, $2}' "$out/bpfan.syscount-L.table" | sort > "$out/bpfan.L.counts"
diff "$out/live.L.counts" "$out/bpfan.L.counts" && echo "identical counts"
echo "== bitesize -c dd: diff live bpfan"; diff "$out/live.bitesize" "$out/bpfan.bitesize" && echo "identical ($(grep -c ' : [1-9]' "$out/live.bitesize") non-empty slots)"
echo "== biolatency -D (whole system: other I/O in the slightly different windows may differ): diff live bpfan"
diff "$out/live.biolatency" "$out/bpfan.biolatency" || true
echo "== bitesize.bt, the @[dd] histogram: diff live bpfan"
awk '/^@\[dd\]: /{p=1} p&&/^$/{exit} p' "$out/live.bitesize.bt" > "$out/live.bitesize.bt.dd"
$bpfan bitesize.bt "$out/run.trc" | awk '/^@\[dd\]: /{p=1} p&&/^$/{exit} p' > "$out/bpfan.bitesize.bt.dd"
diff "$out/live.bitesize.bt.dd" "$out/bpfan.bitesize.bt.dd" && echo "identical ($(wc -l < "$out/live.bitesize.bt.dd") lines)"
for t in biolatency biopattern bitesize; do
  $bpfan $t -d "$ln" "$out/run.trc" > "$out/bpfan.$t-loop"
  echo "== $t -d $ln (our own loop device: only the workload's I/O): diff live bpfan"
  diff "$out/live.$t-loop" "$out/bpfan.$t-loop" && echo "identical ($(wc -l < "$out/live.$t-loop") lines)"
done
