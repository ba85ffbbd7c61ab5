#!/bin/bash
# Runs the live libbpf-tools runqlat, cpudist, runqslower, tcplife and tcpstates next to a
# bpftrace stand-in recorder (capture-sched-tcp.bt), imports the capture (gated
# importSchedTcpCapture test) and compares bpfan's answers. Needs root, bpftrace,
# libbpf-tools and a built test bundle. Usage: Tests/Validation/validate-sched-tcp.sh [outdir]
set -eu
out=${1:-/tmp/bpfan-validate-sched}
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cd "$out"
python3 -c 'import time; print("M", time.clock_gettime_ns(time.CLOCK_MONOTONIC), time.clock_gettime_ns(time.CLOCK_REALTIME), sep="\t")' > capture.txt
bpftrace "$repo/Tests/Validation/capture-sched-tcp.bt" >> capture.txt 2> bt.err &
bt=$!
# Attaching the stand-in takes seconds under load: wait for its first event.
for _ in $(seq 60); do grep -q '^[WNX]' capture.txt && break; sleep 0.5; done
# A single-threaded sleeper (tid = tgid, so the stand-in's missing tgids do not matter), running
# once every tracer is attached and done before they stop; exec keeps its pid. The few events of
# its shell before the live tools attach (forking `sleep`) are in the capture only.
sh -c 'sleep 6; exec python3 -c "import time
for i in range(1500): time.sleep(0.001)"' &
wl=$!
sleep 2
stdbuf -oL /usr/sbin/runqlat 6 1 > live.runqlat 2>&1 &
stdbuf -oL /usr/sbin/runqlat -p "$wl" 10 1 > live.runqlat-p 2>&1 &
stdbuf -oL /usr/sbin/cpudist 6 1 > live.cpudist 2>&1 &
stdbuf -oL /usr/sbin/cpudist -p "$wl" 10 1 > live.cpudist-p 2>&1 &
stdbuf -oL /usr/sbin/cpudist -O -p "$wl" 10 1 > live.cpudist-O-p 2>&1 &
timeout -s INT 7 stdbuf -oL /usr/sbin/runqslower -P 20000 > live.runqslower 2>&1 &
timeout -s INT 11 stdbuf -oL /usr/sbin/runqslower -p "$wl" 100 > live.runqslower-p 2>&1 &
timeout -s INT 7 stdbuf -oL /usr/sbin/tcplife > live.tcplife 2>&1 &
timeout -s INT 7 stdbuf -oL /usr/sbin/tcpstates > live.tcpstates 2>&1 &
sleep 2
# Workload: five loopback sessions with known byte counts, and a refused connect. It writes the
# tcpconnect -s rows it expects (no live tcpconnect here: it needs kprobes).
python3 - "$out/truth.tcpconnect" <<'PY'
import os, socket, sys, time
rows = []; accepted = []
def note(c, dport):
    laddr, sport = c.getsockname()[:2]
    # A refused connect resets the local address the kernel had chosen; it was 127.0.0.1.
    rows.append("%-6d %-12.12s %-2d %-16s %-16s %-5d %-5d" % (os.getpid(), "python3", 4, "127.0.0.1", "127.0.0.1", sport, dport))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8); port = srv.getsockname()[1]
for i in range(5):
    c = socket.create_connection(("127.0.0.1", port)); note(c, port); a, peer = srv.accept()
    accepted.append("%-7d %-12.12s %-2d %-16s %-5d %-16s %-5d" % (os.getpid(), "python3", 4, peer[0], peer[1], "127.0.0.1", port))
    c.sendall(b"x" * (1000 * (i + 1))); a.recv(100000); a.sendall(b"y" * (10 * (i + 1))); c.recv(1000)
    time.sleep(0.05 * i); c.close(); a.close()
srv.close()
r = socket.socket(); r.connect_ex(("127.0.0.1", 1)); note(r, 1); r.close()
open(sys.argv[1], "w").write("".join(x + "\n" for x in rows))
open(sys.argv[1].replace("tcpconnect", "tcpaccept"), "w").write("".join(x + "\n" for x in accepted))
print(os.getpid(), file=open(sys.argv[1] + ".pid", "w"))
PY
sleep 8
kill -INT "$bt" 2>/dev/null || true
sleep 1
python3 -c 'import time; print("E", time.clock_gettime_ns(time.CLOCK_MONOTONIC), sep="\t")' >> capture.txt
cd "$repo"
BPFAN_IMPORT_SCHED="$out" swift test --skip-build --filter importSchedTcpCapture >/dev/null
bpfan=$repo/.build/debug/bpfan
cd "$out"
$bpfan tcplife run.trc > bpfan.tcplife
$bpfan tcpstates run.trc > bpfan.tcpstates
$bpfan runqlat run.trc > bpfan.runqlat
$bpfan cpudist run.trc > bpfan.cpudist
$bpfan cpudist -O run.trc > bpfan.cpudist-O
$bpfan runqslower -P run.trc 20000 > bpfan.runqslower
$bpfan runqlat -p "$wl" run.trc > bpfan.runqlat-p
$bpfan cpudist -p "$wl" run.trc > bpfan.cpudist-p
$bpfan cpudist -O -p "$wl" run.trc > bpfan.cpudist-O-p
$bpfan runqslower -p "$wl" run.trc 100 > bpfan.runqslower-p
tp=$(cat truth.tcpconnect.pid)
echo "== tcplife, the workload's rows (PID $tp) without MS: diff live bpfan"
awk -v p="$tp" '$1 == p {NF--; print}' live.tcplife > live.tcplife.cut
awk -v p="$tp" '$1 == p {NF--; print}' bpfan.tcplife > bpfan.tcplife.cut
diff live.tcplife.cut bpfan.tcplife.cut && echo identical
echo "== tcplife MS, live vs bpfan"; paste <(awk -v p="$tp" '$1 == p {print $NF}' live.tcplife) <(awk -v p="$tp" '$1 == p {print $NF}' bpfan.tcplife)
echo "== tcpconnect -s -p (the workload's own record of its connects): diff truth bpfan"
$bpfan tcpconnect -s -p "$tp" run.trc | tail -n +2 > bpfan.tcpconnect
diff truth.tcpconnect bpfan.tcpconnect && echo identical
echo "== tcpaccept -p (the workload's own record of its accepts): diff truth bpfan"
$bpfan tcpaccept -p "$tp" run.trc | tail -n +2 > bpfan.tcpaccept
diff truth.tcpaccept bpfan.tcpaccept && echo identical
echo "== tcpstates, rows of PID $tp without MS: diff live bpfan"
awk -v p="$tp" '$2 == p {NF--; print}' live.tcpstates > live.tcpstates.cut
awk -v p="$tp" '$2 == p {NF--; print}' bpfan.tcpstates > bpfan.tcpstates.cut
diff live.tcpstates.cut bpfan.tcpstates.cut && echo identical
echo "== stand-in losses (nonzero: the bpftrace capture dropped events, so bpfan sees fewer)"
grep -i lost capture.txt bt.err || echo "none reported"
for t in runqlat-p cpudist-p cpudist-O-p; do
  echo "== $t (the sleeper $wl only, inside every window): totals live / bpfan, then diff"
  awk -F: '/->/ {split($2, a, " "); s += a[1]} END {print s}' live.$t
  awk -F: '/->/ {split($2, a, " "); s += a[1]} END {print s}' bpfan.$t
  diff live.$t bpfan.$t && echo identical
done
echo "== runqslower -p $wl 100: rows live / bpfan, then diff without TIME"
wc -l < live.runqslower-p; wc -l < bpfan.runqslower-p
diff <(cut -c10- live.runqslower-p) <(cut -c10- bpfan.runqslower-p) && echo identical
# Whole-system numbers: the stand-in loses wakeups (a BPF program on a classic tracepoint is
# skipped when it would nest in another, e.g. in its own perf-output wakeup), so these differ.
for t in runqlat cpudist; do
  echo "== $t: total counts live / bpfan (different windows: the live tool ran 6 s of the capture)"
  awk -F: '/->/ {split($2, a, " "); s += a[1]} END {print s}' live.$t
  awk -F: '/->/ {split($2, a, " "); s += a[1]} END {print s}' bpfan.$t
done
echo "== runqslower -P 20000: rows live / bpfan"; wc -l < live.runqslower; wc -l < bpfan.runqslower
