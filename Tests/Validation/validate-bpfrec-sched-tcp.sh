#!/bin/bash
# End to end with the real recorder: bpfrec records while the live libbpf-tools run over the same
# workload (a single-threaded sleeper and five loopback TCP sessions), then bpfan's answers from
# the recording are compared with the live tools' and with the workload's own record of its
# connects and accepts. Needs root, libbpf-tools and a built tree.
# Usage: Tests/Validation/validate-bpfrec-sched-tcp.sh [outdir]
set -eu
out=${1:-/tmp/bpfan-validate-bpfrec}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bpfrec=$repo/.build/debug/bpfrec
bpfan=$repo/.build/debug/bpfan
mkdir -p "$out"
cd "$out"
rm -f run.trc
"$bpfrec" record -o run.trc -d 18 --families sched,tcp,stacks,syscalls,proc 2> bpfrec.err &
rec=$!
for _ in $(seq 60); do grep -q 'recording' bpfrec.err && break; sleep 0.5; done
sh -c 'sleep 6; exec python3 -c "import time
for i in range(1500): time.sleep(0.001)"' &
wl=$!
sleep 1
stdbuf -oL /usr/sbin/runqlat -p "$wl" 10 1 > live.runqlat-p 2>&1 &
stdbuf -oL /usr/sbin/cpudist -p "$wl" 10 1 > live.cpudist-p 2>&1 &
stdbuf -oL /usr/sbin/cpudist -O -p "$wl" 10 1 > live.cpudist-O-p 2>&1 &
stdbuf -oL /usr/sbin/offcputime -p "$wl" 10 > live.offcputime-p 2>&1 &
timeout -s INT 11 stdbuf -oL /usr/sbin/runqslower -p "$wl" 100 > live.runqslower-p 2>&1 &
timeout -s INT 11 stdbuf -oL /usr/sbin/tcplife > live.tcplife 2>&1 &
timeout -s INT 11 stdbuf -oL /usr/sbin/tcpstates > live.tcpstates 2>&1 &
sleep 3
python3 - "$out" <<'PY'
import os, socket, sys, time
d = sys.argv[1]; conns = []; accepts = []
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8); port = srv.getsockname()[1]
for i in range(5):
    c = socket.create_connection(("127.0.0.1", port)); a, peer = srv.accept()
    conns.append("%-6d %-12.12s %-2d %-16s %-16s %-5d %-5d" % (os.getpid(), "python3", 4, "127.0.0.1", "127.0.0.1", c.getsockname()[1], port))
    accepts.append("%-7d %-12.12s %-2d %-16s %-5d %-16s %-5d" % (os.getpid(), "python3", 4, peer[0], peer[1], "127.0.0.1", port))
    c.sendall(b"x" * (1000 * (i + 1))); a.recv(100000); a.sendall(b"y" * (10 * (i + 1))); c.recv(1000)
    time.sleep(0.05 * i); c.close(); a.close()
srv.close()
open(d + "/truth.tcpconnect", "w").write("".join(x + "\n" for x in conns))
open(d + "/truth.tcpaccept", "w").write("".join(x + "\n" for x in accepts))
open(d + "/truth.pid", "w").write(str(os.getpid()))
PY
wait "$rec" || true
sleep 1
tail -1 bpfrec.err
tp=$(cat truth.pid)
tot() { awk -F: '/->/ {split($2, a, " "); s += a[1]} END {print s + 0}' "$1"; }
# bpfrec drops sched rows that involve its own tasks (switches from or to them, and wakeups
# made in interrupt context while it ran): bpfan sees fewer switch-ins than the live tools.
for t in runqlat cpudist; do
  $bpfan $t -p "$wl" run.trc > bpfan.$t-p
done
$bpfan cpudist -O -p "$wl" run.trc > bpfan.cpudist-O-p
for t in runqlat-p cpudist-p cpudist-O-p; do
  echo "== $t (sleeper $wl): totals live / bpfan, then diff"
  tot live.$t; tot bpfan.$t
  diff live.$t bpfan.$t && echo identical || true
done
$bpfan runqslower -p "$wl" run.trc 100 > bpfan.runqslower-p
echo "== runqslower -p $wl 100: rows live / bpfan, diff without TIME"
wc -l < live.runqslower-p; wc -l < bpfan.runqslower-p
diff <(cut -c10- live.runqslower-p) <(cut -c10- bpfan.runqslower-p) && echo identical || true
$bpfan offcputime -p "$wl" run.trc > bpfan.offcputime-p 2> bpfan.offcputime-p.err
echo "== offcputime -p $wl: total off-CPU us live / bpfan (blocked spans; bpfan leaves out preempted spans, see its warning)"
awk '/^        [0-9]+$/ {s += $1} END {print s + 0}' live.offcputime-p
awk '/^        [0-9]+$/ {s += $1} END {print s + 0}' bpfan.offcputime-p
cat bpfan.offcputime-p.err
echo "== offcputime -p $wl: the largest stack, live (innermost first) / bpfan (-f, outermost first)"
awk 'BEGIN{RS=""} {n=$NF; if (n + 0 > m) {m = n + 0; b = $0}} END {print b}' live.offcputime-p
$bpfan offcputime -f -p "$wl" run.trc 2>/dev/null | sort -t' ' -k2 -n | tail -1
$bpfan tcplife run.trc > bpfan.tcplife
$bpfan tcpstates run.trc > bpfan.tcpstates
echo "== tcplife rows of $tp: diff live bpfan (all columns)"
diff <(awk -v p="$tp" '$1 == p' live.tcplife) <(awk -v p="$tp" '$1 == p' bpfan.tcplife) && echo identical || true
echo "== tcpstates rows of $tp without MS (two programs' clocks): diff live bpfan"
diff <(awk -v p="$tp" '$2 == p {NF--; print}' live.tcpstates) <(awk -v p="$tp" '$2 == p {NF--; print}' bpfan.tcpstates) && echo "identical but MS" || true
echo "== tcpconnect -s -p $tp vs the workload's record"
diff truth.tcpconnect <($bpfan tcpconnect -s -p "$tp" run.trc | tail -n +2) && echo identical || true
echo "== tcpaccept -p $tp vs the workload's record"
diff truth.tcpaccept <($bpfan tcpaccept -p "$tp" run.trc | tail -n +2) && echo identical || true
