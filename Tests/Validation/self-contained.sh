#!/bin/sh
# The release binaries must run on a host with libbpf, libelf and zstd but no Swift: checks
# that they link no Swift library and have no /opt/swift run path, then runs them in a mount
# namespace where /opt/swift is an empty tmpfs (bpfrec records a command, bpfan reads it), and
# prints their sizes and start-up times. Needs root (unshare -m, and bpfrec itself).
# Usage: Tests/Validation/self-contained.sh [BINDIR]   (default .build/release; make check-static)
set -eu
bin=$(cd "${1:-.build/release}" && pwd)
fail() { echo "self-contained: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (unshare -m, bpfrec)"
for b in bpfrec bpfan; do
  [ -x "$bin/$b" ] || fail "$bin/$b: not built (make build)"
  if ldd "$bin/$b" | grep -q swift; then fail "$b links the Swift runtime dynamically: $(ldd "$bin/$b" | grep swift | tr -s ' \t' ' ')"; fi
  if readelf -d "$bin/$b" | grep -iE 'r(un)?path' | grep -q /opt/swift; then fail "$b has a run path into /opt/swift"; fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The namespace: /opt/swift hidden, so only what the binaries carry can run.
unshare -m sh -eu -c '
  bin=$1; tmp=$2
  mount -t tmpfs none /opt/swift
  [ -z "$(ls -A /opt/swift)" ]
  "$bin/bpfrec" --version >"$tmp/version"
  "$bin/bpfan" -V >>"$tmp/version"
  st=0
  "$bin/bpfrec" record -o "$tmp/run.trc" --families proc,syscalls -- /bin/sh -c "/bin/true; exit 3" 2>"$tmp/rec.err" || st=$?
  echo $st >"$tmp/status"
  "$bin/bpfan" check "$tmp/run.trc" >"$tmp/check"
  "$bin/bpfan" execsnoop "$tmp/run.trc" >"$tmp/execsnoop" 2>"$tmp/execsnoop.err"
' sh "$bin" "$tmp" || fail "a binary did not run without /opt/swift: $(cat "$tmp"/*.err 2>/dev/null)"
[ "$(cat "$tmp/status")" = 3 ] || fail "bpfrec did not return the command's status 3: $(cat "$tmp/rec.err")"
grep -q 'sound' "$tmp/check" || fail "bpfan check: $(cat "$tmp/check")"
grep -q '/bin/true' "$tmp/execsnoop" || fail "bpfan execsnoop does not show the command's child: $(cat "$tmp/execsnoop")"
cat "$tmp/version"
for b in bpfrec bpfan; do
  cp "$bin/$b" "$tmp/$b.stripped" && strip "$tmp/$b.stripped"
  echo "$b: $(stat -c %s "$bin/$b") bytes ($(stat -c %s "$tmp/$b.stripped") stripped); shared libraries: $(ldd "$bin/$b" | awk '$1 !~ /vdso|ld-linux/ {print $1}' | tr '\n' ' ')"
done
# Start-up: the median of 11 runs of --version, and of the time to bpfrec's "recording" line
# (every probe attached) for proc alone and for every family.
python3 - "$bin" "$tmp" <<'EOF'
import os, subprocess, sys, time
bin, tmp = sys.argv[1], sys.argv[2]
def median(xs): return sorted(xs)[len(xs) // 2]
def version(b):
    ts = []
    for _ in range(11):
        s = time.perf_counter(); subprocess.run([f"{bin}/{b}", "--version"], stdout=subprocess.DEVNULL, check=True); ts.append(time.perf_counter() - s)
    return median(ts) * 1000
def ready(families):
    ts = []
    for i in range(5):
        path = f"{tmp}/start-{i}.trc"
        s = time.perf_counter()
        p = subprocess.Popen([f"{bin}/bpfrec", "record", "-o", path, "--families", families, "--", "/bin/true"],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        t = None
        for line in p.stderr:
            if t is None and line.startswith("bpfrec: recording"): t = time.perf_counter() - s
        p.wait()
        os.unlink(path)
        ts.append(t)
    return median(ts) * 1000
print(f"start-up: bpfrec --version {version('bpfrec'):.1f} ms, bpfan --version {version('bpfan'):.1f} ms; "
      f"bpfrec to recording: {ready('proc'):.0f} ms (proc), {ready('all'):.0f} ms (every family)")
EOF
echo "self-contained: ok (ran with /opt/swift empty)"
