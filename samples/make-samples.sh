#!/usr/bin/env bash
# Records the bundled sample recordings on this machine (root needed): a short mixed workload
# with disk I/O, process churn, loopback TCP and CPU contention, recorded by bpfrec with every
# family. Re-run with `samples/make-samples.sh [mixed] [offcpu] [wakeup] [compare]` (default all) from the
# repository root after `swift build -c release`; tests pin facts of the committed ones.
set -euo pipefail
cd "$(dirname "$0")/.."
BPFREC=${BPFREC:-.build/release/bpfrec}
[ "$(id -u)" = 0 ] || { echo "make-samples.sh: needs root (bpfrec loads BPF programs)" >&2; exit 1; }
[ -x "$BPFREC" ] || { echo "make-samples.sh: $BPFREC not built (swift build -c release)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/bpfrec-sample.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The workload: each part prints nothing and leaves nothing behind.
workload() {
  # Disk: 400 direct 4 KiB writes then 400 direct reads of the same file (on the root disk).
  dd if=/dev/zero of="$work/data" bs=4k count=400 oflag=direct,dsync status=none
  dd if="$work/data" of=/dev/null bs=4k iflag=direct status=none
  # Process churn: 20 short-lived processes with known argv and exit codes, one failing exec.
  for i in $(seq 1 10); do /bin/true "sample-arg-$i"; sh -c "exit $((i % 4))" || true; done
  /nonexistent/binary 2>/dev/null || true
  # File opens, some failing.
  for i in $(seq 1 20); do cat "$work/missing-$i" 2>/dev/null || true; done
  cat /etc/hostname /etc/os-release > /dev/null
  # Loopback TCP: a server on 127.0.0.1 receives 1 MiB and answers 64 KiB.
  /usr/bin/python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(1); port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); n = 0
    while n < 1 << 20:
        d = c.recv(65536)
        if not d: break
        n += len(d)
    c.sendall(b"y" * 65536); c.close()
t = threading.Thread(target=serve); t.start()
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"x" * (1 << 20))
got = 0
while got < 65536:
    d = s.recv(65536)
    if not d: break
    got += len(d)
s.close(); t.join(); srv.close()
PY
  # CPU contention: two busy loops sharing CPU 0 for one second.
  taskset -c 0 timeout 1 sh -c 'while :; do :; done' & local spin1=$!
  taskset -c 0 timeout 1 sh -c 'while :; do :; done' & local spin2=$!
  # Wait for these two only: a bare `wait` would also wait for the recorder.
  wait "$spin1" "$spin2" || true
  # Signals: a sleeper killed with SIGTERM.
  sleep 30 & pid=$!; kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

record() {
  local out=$1
  shift
  rm -f "$out"
  "$BPFREC" record -o "$out" "$@" &
  local rec=$!
  sleep 1
  workload
  sleep 0.5
  kill -INT "$rec"
  wait "$rec"
}

# Off-CPU and CPU stacks of one process tree: a Python program that sleeps, reads a pipe and
# spins, and a dd that waits for its writes to reach the disk.
stacks_workload() {
  /usr/bin/python3 - <<'PY'
import os, time
def nap():                     # off-CPU in clock_nanosleep, 50 times
    for _ in range(50):
        time.sleep(0.01)
def pipe_wait():               # off-CPU in read on a pipe, 20 times
    r, w = os.pipe()
    for _ in range(20):
        if os.fork() == 0:
            time.sleep(0.005); os.write(w, b"x"); os._exit(0)
        os.read(r, 1); os.wait()
def spin():                    # on-CPU for about half a second
    end = time.monotonic() + 0.5
    n = 0
    while time.monotonic() < end:
        n += 1
nap(); pipe_wait(); spin()
PY
  dd if=/dev/zero of="$work/synced" bs=64k count=64 oflag=dsync status=none
}

# Only that process tree (-p): its binaries' symbol tables are what the sample carries, and
# the recorder must be attached before the workload starts. Further arguments go to bpfrec.
record_stacks() {
  local out=$1
  shift
  rm -f "$out" "$work/go"
  mkfifo "$work/go"
  ( read -r _ < "$work/go"; stacks_workload ) & local wl=$!
  "$BPFREC" record -o "$out" --families proc,sched,stacks -p "$wl" "$@" 2> "$work/rec.log" &
  local rec=$!
  for _ in $(seq 1 300); do grep -q '^bpfrec: recording' "$work/rec.log" && break; sleep 0.1; done
  grep -q '^bpfrec: recording' "$work/rec.log" || { cat "$work/rec.log" >&2; exit 1; }
  echo go > "$work/go"
  wait "$wl"
  sleep 0.3
  kill -INT "$rec"
  wait "$rec"
  cat "$work/rec.log" >&2
}

# A base and a regressed recording of the paced compare-workload (Tests/Validation), 2 s of
# its syscall mix each, the regressed one making 20% more getppid calls: `bpfan compare`'s
# pair for make demo and CompareSampleTests. The recorder runs the command (`-- CMD`), so the
# recordings hold its syscalls only and end when it exits.
record_compare() {
  cc -O2 -Wall -Wextra -Werror -pthread -o "$work/compare-workload" Tests/Validation/compare-workload.c
  rm -f samples/compare-base.trc samples/compare-new.trc
  "$BPFREC" record -o samples/compare-base.trc --families syscalls,proc -- "$work/compare-workload" syscalls --seconds 2 --dir "$work"
  "$BPFREC" record -o samples/compare-new.trc --families syscalls,proc -- "$work/compare-workload" syscalls --seconds 2 --dir "$work" --more getppid:1.2
  chmod 644 samples/compare-base.trc samples/compare-new.trc
  echo "samples/compare-base.trc: $(stat -c %s samples/compare-base.trc) bytes"
}

# Every family but stacks: the ELF symbol tables that make user stacks portable cost ~5 MB
# for a system-wide recording, and samples stay under 2 MB.
for name in ${*:-mixed offcpu wakeup compare}; do
  case $name in
    compare) record_compare; name=compare-new ;;
    mixed) record samples/mixed.trc --families proc,syscalls,block,sched,tcp ;;
    offcpu) record_stacks samples/offcpu.trc ;;
    # The same tree with a stack at every switch-out and the wakers' stacks: offcputime as the
    # live tool counts it, wakeuptime and offwaketime.
    wakeup) record_stacks samples/wakeup.trc --offcpu-stacks all --stack-events sched:sched_waking,sched:sched_wakeup ;;
    *) echo "make-samples.sh: no sample named $name (mixed, offcpu, wakeup, compare)" >&2; exit 2 ;;
  esac
  echo "samples/$name.trc: $(stat -c %s "samples/$name.trc") bytes"
done
