#!/usr/bin/env bash
# Records the bundled sample recordings on this machine (root needed): a short mixed workload
# with disk I/O, process churn, loopback TCP and CPU contention, recorded by bpfrec with every
# family. Re-run with `samples/make-samples.sh` from the repository root after `swift build -c release`.
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
  python3 - <<'PY'
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

# Every family but stacks: the ELF symbol tables that make user stacks portable cost ~5 MB
# for a system-wide recording, and samples stay under 2 MB.
record samples/mixed.trc --families proc,syscalls,block,sched,tcp
echo "samples/mixed.trc: $(stat -c %s samples/mixed.trc) bytes"
