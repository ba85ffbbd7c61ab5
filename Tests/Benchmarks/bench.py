#!/usr/bin/env python3
"""The benchmark behind `make bench`: recorder overhead, file size and analyzer speed
of bpfrec/bpfan against perf, trace-cmd and a bare ring-buffer floor.

For each workload (w1 syscall storm, w2 context-switch storm, w3 O_DIRECT block I/O) and each
recorder, runs pairs (untraced, traced) back to back, round-robin over the recorders, and takes
the median of the per-pair ratios of the workload's own loop time (CLOCK_MONOTONIC, printed by
the workload, so tool start-up is excluded). The last traced run of each pair series is kept:
its events are counted against the workload's ground truth, its size gives bytes per event, and
the readers (perf script, perf trace -s, perf sched latency, trace-cmd report, bpfan tools) are
timed over it. Prints one markdown report (also written to OUT/results.md, and OUT/results.json).

Run as root, with the binaries built by `make bench` (BIN holds w1 w2 w3 floor tracecmd_shim.so).
"""
import argparse
import collections
import json
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time

# The tracepoints every recorder records: those of bpfrec's proc (fork/exit), syscalls, sched
# and block families. The floor (floor.bpf.c) attaches to exactly these.
EVENTS = [
    "raw_syscalls:sys_enter", "raw_syscalls:sys_exit",
    "sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new", "sched:sched_migrate_task",
    "sched:sched_process_fork", "sched:sched_process_exit",
    "block:block_rq_insert", "block:block_rq_issue", "block:block_rq_complete", "block:block_rq_requeue",
    "block:block_io_start", "block:block_io_done",
]
BPFREC_FAMILIES = "proc,syscalls,sched,block"
TRACECMD_INSTANCE = "bpfrec_bench"
TOOLS = ["perf", "trace-cmd", "floor", "bpfrec"]
WORKLOADS = ["w1", "w2", "w3", "w4"]
# W4, the mixed minute, is recorded once per recorder that keeps up with it (no untraced pairs):
# it is there for bytes/event on a realistic mix and for the analyzer on a big recording.
# perf (~110 bytes/event, and it drops events at this rate) and the floor (48 raw) are left out.
W4_RECORDERS = ("trace-cmd", "bpfrec")
# Which analyzer runs over which workload's recording (the question each workload asks);
# `perf script` and `trace-cmd report` (everything, as text) run over all of them.
READERS = {"perf trace -s": ("w1", "w2"), "perf sched latency": ("w2",),
           "bpfan syscount": ("w1", "w2", "w4"), "bpfan runqlat": ("w2", "w4"),
           "bpfan biolatency": ("w3", "w4")}
# The performance targets (Tests/Benchmarks/PERFORMANCE.md, "Verdicts").
TARGET_BPE = {"w1": 1.5, "w2": 3.0, "w3": 8.0}  # W4: below trace-cmd's


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def parse_kv(line):
    return dict(tok.split("=", 1) for tok in line.split() if "=" in tok)


def truth_line(stdout):
    for line in stdout.splitlines():
        if line.startswith("workload="):
            return parse_kv(line)
    raise RuntimeError("workload printed no ground truth line:\n" + stdout[-2000:])


def timed(cmd, stdout_path=None, env=None):
    """Runs cmd under GNU time (so the peak RSS is the command's own, not inherited from this
    process across fork+exec); returns (wall seconds, peak RSS bytes, returncode, stderr)."""
    rfile = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-time.{os.getpid()}")
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-o", rfile, "-f", "%M"] + cmd, stdout=out,
                       stderr=subprocess.PIPE, env=env)
    wall = time.monotonic() - t0
    if stdout_path:
        out.close()
    rss = 0
    try:
        m = re.findall(r"^(\d+)$", open(rfile).read(), re.M)
        rss = int(m[-1]) * 1024 if m else 0
        os.unlink(rfile)
    except OSError:
        pass
    return wall, rss, p.returncode, p.stderr.decode(errors="replace")


# -- synthesised recordings for the paired-scan readers (runqlat, biolatency) ------------------
# Repeating chunks verbatim (as the syscount curve does) repeats their timestamps, and a reader
# that pairs events in time order then has to hold every copy of a time range at once. These
# copies are shifted in time instead: copy k adds k * span to the chunk's min/max ts and to its
# ts column's min/max, which is all a ts column's encodings (constant, offset, delta) are relative
# to (schemas/FORMAT.md), and the payload CRC-32C is patched by linearity, without re-reading
# the payload. The `recording` and `clock` metadata are left out, so that the recording's span
# is its events' (the copies run past the original stop time).

def _crc32c_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _gf2_times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _zeros_operator(nbytes):
    """GF(2) matrix (32 columns) that runs a CRC-32C register through nbytes zero bytes (zlib's
    crc32_combine): crc(A || B) = op(crc(A)) ^ crc(B) for len(B) == nbytes."""
    result = [1 << i for i in range(32)]
    base = [0x82F63B78] + [1 << (i - 1) for i in range(1, 32)]  # one zero bit
    k = 8 * nbytes
    while k:
        if k & 1:
            result = [_gf2_times(base, c) for c in result]
        base = [_gf2_times(base, c) for c in base]
        k >>= 1
    return result


def trc_blocks(data):
    """(tag, offset, bytes) of every block before the footer."""
    pos, out = 32, []
    while pos + 24 <= len(data):
        tag = data[pos:pos + 4]
        length = struct.unpack_from("<Q", data, pos + 8)[0]
        if tag == b"FOOT":
            break
        out.append((tag, pos, data[pos:pos + 24 + length]))
        pos += 24 + length
    return out


def synthesise_shifted(src, dst, tables, events_target):
    """Writes dst: src's file header, schema and metadata blocks (not `recording`, `clock`), then
    the chunks of `tables` repeated, each copy shifted past the previous one in time, until the
    rows reach events_target. Returns (rows written, copies)."""
    data = open(src, "rb").read()
    blocks = trc_blocks(data)
    ts_col, names = {}, {}
    for tag, _, blk in blocks:
        if tag == b"SCHM":
            tid, n = struct.unpack_from("<II", blk, 24)
            schema = json.loads(blk[32:32 + n])
            names[tid] = schema["name"]
            cols = [c["name"] for c in schema["columns"]]
            if "ts" in cols:
                ts_col[tid] = cols.index("ts")
    chunks = []  # (block, ts header offset in payload, prefix length, zeros operator, rows)
    lo, hi = None, None
    for tag, _, blk in blocks:
        if tag != b"CHNK":
            continue
        tid, rows, mn, mx, ncols = struct.unpack_from("<IIqqH", blk, 24)
        if names.get(tid) not in tables or tid not in ts_col or rows == 0:
            continue
        at = None
        for c in range(ncols):
            h = 26 + 28 * c
            if struct.unpack_from("<H", blk, 24 + h)[0] == ts_col[tid]:
                if blk[24 + h + 2] & 0x7F not in (0, 1, 2):
                    raise ValueError(f"{src}: ts column of a {names[tid]} chunk is not constant/offset/delta")
                at = h
        if at is None:
            continue
        prefix = 26 + 28 * ncols
        chunks.append((blk, at, prefix, _zeros_operator(len(blk) - 24 - prefix), rows))
        lo = mn if lo is None else min(lo, mn)
        hi = mx if hi is None else max(hi, mx)
    per_copy = sum(c[4] for c in chunks)
    if not per_copy:
        return 0, 0
    copies = max(1, round(events_target / per_copy))
    span = hi - lo + 1
    with open(dst, "wb") as f:
        f.write(data[:32])
        for tag, _, blk in blocks:
            if tag == b"SCHM":
                f.write(blk)
            elif tag == b"META":
                n = struct.unpack_from("<I", blk, 24)[0]
                if blk[28:28 + n].decode(errors="replace") not in ("recording", "clock"):
                    f.write(blk)
        for k in range(copies):
            d = k * span
            for blk, at, prefix, op, _ in chunks:
                if d == 0:
                    f.write(blk)
                    continue
                old = blk[24:24 + prefix]
                new = bytearray(old)
                tid, rows, mn, mx = struct.unpack_from("<IIqq", new, 0)
                struct.pack_into("<qq", new, 8, mn + d, mx + d)
                cmin, cmax = struct.unpack_from("<qq", new, at + 4)
                struct.pack_into("<qq", new, at + 4, cmin + d, cmax + d)
                crc = struct.unpack_from("<I", blk, 16)[0]
                crc ^= _gf2_times(op, crc32c(old)) ^ _gf2_times(op, crc32c(new))
                head = bytearray(blk[:24])
                struct.pack_into("<I", head, 16, crc)
                struct.pack_into("<I", head, 20, crc32c(head[:20]))
                f.write(head)
                f.write(new)
                f.write(blk[24 + prefix:])
    return copies * per_copy, copies


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------------------------
# Workloads


class Workloads:
    def __init__(self, bin_dir, w3_file, scale, w4_seconds):
        self.bin = bin_dir
        self.w3_file = w3_file
        self.scale = scale  # < 1 for development runs only
        self.w4_seconds = w4_seconds
        # W4's pages, compile unit and synced log sit beside W3's file, on the same disk.
        self.w4_dir = os.path.join(os.path.dirname(os.path.abspath(w3_file)), "bpfrec-bench-w4")

    def argv(self, w):
        if w == "w4":
            os.makedirs(self.w4_dir, exist_ok=True)
            return [os.path.join(self.bin, "w4"), self.w4_dir, str(max(1, int(self.w4_seconds * self.scale)))]
        n = {"w1": 2000000, "w2": 200000, "w3": 20000}[w]
        n = max(1, int(n * self.scale))
        if w == "w3":
            return [os.path.join(self.bin, "w3"), self.w3_file, str(n)]
        return [os.path.join(self.bin, w), str(n)]

    def run(self, w):
        p = sh(self.argv(w))
        if p.returncode != 0:
            raise RuntimeError(f"{w} failed: {p.stderr}")
        return truth_line(p.stdout)


def block_target(truth):
    """The (device as MKDEV, sector ranges on that device) a w3 run's I/O must hit."""
    maj, mnr = (int(x) for x in truth["dev"].split(":"))
    offset = 0
    sysdir = f"/sys/dev/block/{maj}:{mnr}"
    if os.path.exists(os.path.join(sysdir, "partition")):
        offset = int(open(os.path.join(sysdir, "start")).read())
        parent = os.path.realpath(os.path.join(sysdir, ".."))
        maj, mnr = (int(x) for x in open(os.path.join(parent, "dev")).read().split(":"))
    ranges = []
    for ext in truth.get("extents", "").split(","):
        if "+" in ext:
            s, n = (int(x) for x in ext.split("+"))
            ranges.append((s + offset, s + offset + n))
    return (maj, mnr), sorted(ranges)


def in_ranges(sector, ranges):
    for s, e in ranges:
        if s <= sector < e:
            return True
    return False


def expected_counts(w, truth):
    """The events the workload itself must produce, by class."""
    if w == "w1":
        return {"getppid enter+exit": 2 * int(truth["calls"])}
    if w == "w2":
        rt = int(truth["round_trips"])
        switches = (int(truth["nvcsw"]) + int(truth["nivcsw"]) + int(truth["child_nvcsw"])
                    + int(truth["child_nivcsw"]))  # from wait4: exact, the last switch included
        return {"1-byte read/write enter+exit": 8 * rt, "sched_switch from w2": switches}
    if w == "w3":
        return {"block_rq_issue+complete in file": 2 * int(truth["ios"])}
    raise ValueError(w)


# ---------------------------------------------------------------------------------------------
# Counting a workload's events in each tool's output


def text_events(text, fmt):
    """Yields (tid, event name without its system, arguments) of each event line of `perf script`
    (fmt 'perf': "comm tid [cpu] ts: sys:event: args") or `trace-cmd report` (fmt 'tc':
    "[instance:] comm-tid [cpu] ts: event: args")."""
    for line in text.split(b"\n"):
        i = line.find(b" [")
        if i < 0:
            continue
        j = line.find(b": ", i)
        if j < 0:
            continue
        head = line[:i].rstrip()
        tid = head.rsplit(None, 1)[-1] if fmt == "perf" else head.rsplit(b"-", 1)[-1]
        rest = line[j + 2:].lstrip()
        k = rest.find(b": ")
        if k < 0:
            continue
        ev = rest[:k]
        c = ev.find(b":")
        if c >= 0:
            ev = ev[c + 1:]
        yield tid, ev, rest[k + 2:].lstrip()


BLOCK_ARGS = re.compile(rb"^(\d+),(\d+) \S+ (?:\d+ )?\(.*?\) (\d+) \+ (\d+)")
SWITCH_PREV_PERF = re.compile(rb"prev_pid=(\d+) ")
SWITCH_PREV_TC = re.compile(rb"^.*?:(\d+) \[\d+\] \S+ ==>")


def count_text(w, truth, text, fmt):
    """Counts the workload's events in `perf script` (fmt 'perf') or `trace-cmd report`
    (fmt 'tc') output."""
    got = collections.Counter()
    if w == "w1":
        pid = truth["pid"].encode()
        nr = b"NR " + truth["nr"].encode() + b" "
        for tid, ev, args in text_events(text, fmt):
            if tid == pid and ev in (b"sys_enter", b"sys_exit") and args.startswith(nr):
                got["getppid enter+exit"] += 1
    elif w == "w2":
        pids = {truth["pid"].encode(), truth["child"].encode()}
        sw = SWITCH_PREV_PERF if fmt == "perf" else SWITCH_PREV_TC
        for tid, ev, args in text_events(text, fmt):
            if ev == b"sched_switch":
                m = sw.search(args)
                if m and m.group(1) in pids:
                    got["sched_switch from w2"] += 1
            elif tid in pids and args[:5] in (b"NR 0 ", b"NR 1 "):
                if ev == b"sys_enter":
                    a = args[args.find(b"(") + 1:].split(b", ")
                    if len(a) > 2 and a[2] == b"1":
                        got["1-byte read/write enter+exit"] += 1
                elif ev == b"sys_exit" and args.endswith(b" = 1"):
                    got["1-byte read/write enter+exit"] += 1
    elif w == "w3":
        (maj, mnr), ranges = block_target(truth)
        for tid, ev, args in text_events(text, fmt):
            if ev in (b"block_rq_issue", b"block_rq_complete"):
                m = BLOCK_ARGS.match(args)
                if m and int(m.group(1)) == maj and int(m.group(2)) == mnr and in_ranges(int(m.group(3)), ranges):
                    got["block_rq_issue+complete in file"] += 1
    return dict(got)


FLOOR_REC = struct.Struct("<QIIHHIQQQ")
FT_SYS_ENTER, FT_SYS_EXIT, FT_SCHED_SWITCH, FT_RQ_ISSUE, FT_RQ_COMPLETE = 1, 2, 3, 10, 11


def count_floor(w, truth, path):
    data = open(path, "rb").read()
    got = collections.Counter()
    if w == "w1":
        pid, nr = int(truth["pid"]), int(truth["nr"])
        for ts, tgid, tid, typ, cpu, aux, a, b, c in FLOOR_REC.iter_unpack(data):
            if tgid == pid and typ in (FT_SYS_ENTER, FT_SYS_EXIT) and a == nr:
                got["getppid enter+exit"] += 1
    elif w == "w2":
        pids = {int(truth["pid"]), int(truth["child"])}
        for ts, tgid, tid, typ, cpu, aux, a, b, c in FLOOR_REC.iter_unpack(data):
            if typ == FT_SCHED_SWITCH and a in pids:
                got["sched_switch from w2"] += 1
            elif tgid in pids and a in (0, 1) and (
                    (typ == FT_SYS_ENTER and c == 1) or (typ == FT_SYS_EXIT and b == 1)):
                got["1-byte read/write enter+exit"] += 1
    elif w == "w3":
        (maj, mnr), ranges = block_target(truth)
        dev = (maj << 20) | mnr
        for ts, tgid, tid, typ, cpu, aux, a, b, c in FLOOR_REC.iter_unpack(data):
            if typ in (FT_RQ_ISSUE, FT_RQ_COMPLETE) and a == dev and in_ranges(b, ranges):
                got["block_rq_issue+complete in file"] += 1
    return dict(got)


# ---------------------------------------------------------------------------------------------
# Recorders


class Recorder:
    name = "?"

    def __init__(self, ctx):
        self.ctx = ctx
        self.note = None

    def available(self):
        return True

    def record(self, wl_argv, out):
        """Runs the workload under the recorder; returns (truth, info dict)."""
        raise NotImplementedError


class Perf(Recorder):
    name = "perf"

    def available(self):
        if not shutil.which("perf"):
            self.note = "perf not installed"
            return False
        return True

    def record(self, wl_argv, out):
        cmd = ["perf", "record", "-a", "-o", out]
        for e in EVENTS:
            cmd += ["-e", e]
        p = sh(cmd + ["--"] + wl_argv)
        if p.returncode != 0 or "Captured and wrote" not in p.stderr:
            raise RuntimeError("perf record failed: " + p.stderr[-1500:])
        m = re.search(r"\((\d+) samples\)", p.stderr)
        lost = re.search(r"lost (\d+) chunks", p.stderr)
        return truth_line(p.stdout), {"events": int(m.group(1)) if m else None,
                                      "lost_chunks": int(lost.group(1)) if lost else 0}


class TraceCmd(Recorder):
    name = "trace-cmd"

    def available(self):
        if not shutil.which("trace-cmd"):
            self.note = "trace-cmd not installed"
            return False
        return True

    def env(self):
        e = dict(os.environ)
        e["LD_PRELOAD"] = os.path.join(self.ctx.bin, "tracecmd_shim.so")
        return e

    def record(self, wl_argv, out):
        cmd = ["trace-cmd", "record", "-B", TRACECMD_INSTANCE, "-o", out]
        for e in EVENTS:
            cmd += ["-e", e]
        p = sh(cmd + wl_argv, env=self.env())
        if p.returncode != 0 or not os.path.exists(out):
            raise RuntimeError("trace-cmd record failed: " + p.stderr[-1500:])
        return truth_line(p.stdout), self.stats(out)

    def stats(self, path):
        p = sh(["trace-cmd", "report", "--stat", "-i", path])
        txt = p.stdout + p.stderr
        events = sum(int(x) for x in re.findall(r"read events: (\d+)", txt))
        lost = sum(int(x) for x in re.findall(r"^overrun: (\d+)", txt, re.M))
        lost += sum(int(x) for x in re.findall(r"dropped events: (\d+)", txt))
        return {"events": events, "lost": lost}


def start_background(cmd, ready_re, timeout, env=None):
    """Starts a recorder and waits for a stderr line matching ready_re; returns (proc, lines)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    lines = []
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stderr], [], [], 0.1)
        if r:
            chunk = os.read(p.stderr.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode(errors="replace"))
                if re.search(ready_re, lines[-1]):
                    return p, lines
        if p.poll() is not None:
            break
    p.kill()
    p.wait()
    raise RuntimeError(f"{cmd[0]} did not become ready: " + "\n".join(lines)[-1500:])


def stop_background(p, timeout=60):
    p.send_signal(signal.SIGINT)
    try:
        err = p.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        p.kill()
        err = p.communicate()[1]
    return err.decode(errors="replace")


class Floor(Recorder):
    name = "floor"

    def record(self, wl_argv, out):
        p, _ = start_background([os.path.join(self.ctx.bin, "floor"), "-o", out], r"^ready$", 30)
        w = sh(wl_argv)
        err = stop_background(p)
        m = re.search(r"floor records=(\d+) drops=(\d+) recursion_misses=(\d+)", err)
        if w.returncode != 0 or not m:
            raise RuntimeError("floor run failed: " + err[-1500:] + w.stderr)
        return truth_line(w.stdout), {"events": int(m.group(1)),
                                      "lost": int(m.group(2)) + int(m.group(3)),
                                      "drops": int(m.group(2)), "recursion_misses": int(m.group(3))}


class Bpfrec(Recorder):
    name = "bpfrec"

    def available(self):
        b = self.ctx.bpfrec
        if not b or not os.access(b, os.X_OK):
            self.note = "not built (no bpfrec binary; `swift build -c release` did not produce one)"
            return False
        p = sh([b, "record", "--help"])
        if p.returncode != 0 or "--families" not in p.stdout + p.stderr:
            self.note = "not built (this branch's bpfrec has no `record` command yet)"
            return False
        fams = sh([b, "families"])
        have = [f for f in BPFREC_FAMILIES.split(",")
                if re.search(rf"^{f}: loads", fams.stdout, re.M)]
        if not have:
            self.note = "bpfrec loads none of the families " + BPFREC_FAMILIES
            return False
        self.families = ",".join(have)
        if self.families != BPFREC_FAMILIES:
            self.note = f"families {self.families} only (others not built/loading)"
        return True

    def record(self, wl_argv, out):
        cmd = [self.ctx.bpfrec, "record", "-o", out, "--force", "--families", self.families]
        p, lines = start_background(cmd, r"^bpfrec: recording ", 60)  # printed once every probe is attached
        time.sleep(0.2)
        w = sh(wl_argv)
        err = stop_background(p)
        if w.returncode != 0 or p.returncode not in (0, -2, 130):
            raise RuntimeError("bpfrec run failed: " + "\n".join(lines) + err[-1500:] + w.stderr)
        info = {"summary": (lines + err.strip().splitlines())[-1] if (lines or err.strip()) else ""}
        info.update(self.ctx.trc_counts(out))
        return truth_line(w.stdout), info


# ---------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.bin)
        self.out = os.path.abspath(a.out)
        self.bpfrec = a.bpfrec
        self.bpfan = a.bpfan if a.bpfan and os.access(a.bpfan, os.X_OK) else None
        self.bpfan_tools = self.list_bpfan_tools()
        self.wl = Workloads(self.bin, a.w3_file, a.scale, a.w4_seconds)
        self.results = {"runs": {}, "kept": {}, "truth": {}, "captured": {}, "readers": [], "scaling": [], "paired_scaling": [],
                        "bt": [], "notes": [], "machine": {}}

    # -- bpfan helpers
    def list_bpfan_tools(self):
        if not self.bpfan:
            return set()
        p = sh([self.bpfan, "tools"])
        tools = set()
        for line in p.stdout.splitlines():
            tok = line.split()
            if tok and re.match(r"^[a-z][a-z0-9_.]*$", tok[0]) and "unsupported" not in line and "not yet" not in line:
                tools.add(tok[0])
        return tools

    def trc_counts(self, path):
        """Rows and loss of a .trc file, from `bpfan info`. "events" counts tracepoint hits, like
        the other recorders' event counts: a `syscall` row stands for sys_enter + sys_exit, and
        rows that are no tracepoint hit (the recorder's own tables, the /proc snapshot, syscall
        details attached to a syscall) are left out. "rows" is every row."""
        res = {"events": None, "lost": None, "rows": None, "tables": {}}
        if not self.bpfan:
            return res
        p = sh([self.bpfan, "info", path])
        txt = p.stdout
        for m in re.finditer(r"^(\w+)\s+(\w+)\s+(\d+)\s+\d+\s+[\d.]+ \w?i?B\s+[\d.]+$", txt, re.M):
            res["tables"][m.group(1)] = (m.group(2), int(m.group(3)))
        m = re.search(r"^total\s+(\d+)", txt, re.M)
        if m:
            res["rows"] = int(m.group(1))
        if res["tables"]:
            res["events"] = sum((2 * n if name == "syscall" else n)
                                for name, (fam, n) in res["tables"].items()
                                if fam != "recorder" and name not in ("process_snapshot", "syscall_detail"))
        m = re.search(r"^lost:\s+(\d+) events", txt, re.M)  # absent: "unknown"
        if m:
            res["lost"] = int(m.group(1))
        return res

    # -- preflight
    def preflight(self):
        m = self.results["machine"]
        m["kernel"] = os.uname().release
        m["cpus"] = os.cpu_count()
        m["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
        m["mem_gib"] = round(int(open("/proc/meminfo").read().split()[1]) / 2**20, 1)
        for tool, cmd in (("perf", ["perf", "--version"]), ("trace-cmd", ["trace-cmd", "-h"]),
                          ("libbpf", ["dpkg-query", "-W", "-f", "${Version}", "libbpf1"]),
                          ("zstd", ["zstd", "--version"])):
            try:
                p = sh(cmd)
                txt = (p.stdout + p.stderr).strip()
                mm = (re.search(r"version[ :]*v?([\w.+~-]+)", txt) or re.search(r"\bv(\d+\.\d+\.\d+)", txt)
                      or re.search(r"([\d][\w.+~:-]*)", txt))
                m[tool] = mm.group(1) if mm else txt.splitlines()[0][:60]
            except FileNotFoundError:
                m[tool] = "not installed"
        if not os.path.exists("/sys/kernel/tracing/events"):
            sh(["mount", "-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
        # Nothing else should be tracing while we measure.
        p = sh(["bpftool", "-j", "link", "list"])
        try:
            links = [l for l in json.loads(p.stdout or "[]")
                     if l.get("type") in ("tracing", "raw_tracepoint", "perf_event", "kprobe_multi")]
        except ValueError:
            links = []
        # pgrep -x takes one name of at most 15 characters, not an alternation: ask for each.
        others = "\n".join(sh(["pgrep", "-a", "-x", n]).stdout.strip() for n in ["perf", "trace-cmd", "bpfrec", "bpftrace", "floor"]).strip()
        if links or others:
            msg = (f"other tracers are active while measuring ({len(links)} BPF tracing links"
                   + (f"; processes: {others.replace(chr(10), '; ')}" if others else "") + ")")
            self.results["notes"].append(msg)
            log("WARNING: " + msg)
        stats = "/proc/sys/kernel/bpf_stats_enabled"
        if os.path.exists(stats) and open(stats).read().strip() != "0":
            log("kernel.bpf_stats_enabled was on (adds ~15% to BPF probes): turning it off")
            open(stats, "w").write("0")
            self.results["notes"].append("kernel.bpf_stats_enabled was on; turned off for the run")
        # W3 must hit a real block device.
        d = os.path.dirname(os.path.abspath(self.a.w3_file))
        p = sh(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", d])
        src, fstype = (p.stdout.split() + ["?", "?"])[:2]
        m["w3_fs"] = f"{d} on {src} ({fstype})"
        if not src.startswith("/dev/") or fstype in ("tmpfs", "overlay", "ramfs", "zram"):
            raise SystemExit(f"W3 needs a file on a real block device, but {d} is on {src} ({fstype}); "
                             "pass --w3-file on a disk-backed filesystem")
        busy = float(m["loadavg_start"][0])
        if busy > 0.5:
            msg = f"machine not quiet at start: load average {' '.join(m['loadavg_start'])}"
            self.results["notes"].append(msg)
            log("WARNING: " + msg)

    # -- overhead runs
    def overhead(self, recorders):
        os.makedirs(self.out, exist_ok=True)
        for w in self.a.workloads:
            if w == "w4":
                self.mixed(recorders)
                continue
            log(f"== {w}: {self.a.runs} pairs (untraced, traced) per recorder")
            if w == "w3":
                self.wl.run("w3")  # creates the file the first time, warms metadata
            for i in range(self.a.runs):
                for r in recorders:
                    key = f"{w}/{r.name}"
                    runs = self.results["runs"].setdefault(key, [])
                    base = self.wl.run(w)
                    path = os.path.join(self.out, f"{w}.{r.name}.{i}.{ {'perf': 'data', 'trace-cmd': 'dat', 'floor': 'bin', 'bpfrec': 'trc'}[r.name]}")
                    try:
                        truth, info = r.record(self.wl.argv(w), path)
                    except RuntimeError as e:
                        log(f"   {key}: {e}")
                        runs.append({"untraced_ns": int(base["loop_ns"]), "error": str(e)[:500]})
                        continue
                    info["bytes"] = os.path.getsize(path) if os.path.exists(path) else None
                    run = {"untraced_ns": int(base["loop_ns"]), "traced_ns": int(truth["loop_ns"]),
                           "ratio": int(truth["loop_ns"]) / int(base["loop_ns"]), **info}
                    if int(base.get("cpu_ns", 0)) > 0 and "cpu_ns" in truth:
                        run["untraced_cpu_ns"], run["traced_cpu_ns"] = int(base["cpu_ns"]), int(truth["cpu_ns"])
                        run["cpu_ratio"] = int(truth["cpu_ns"]) / int(base["cpu_ns"])
                    runs.append(run)
                    log(f"   {key} #{i}: untraced {int(base['loop_ns'])/1e6:.0f} ms, traced "
                        f"{int(truth['loop_ns'])/1e6:.0f} ms ({run['ratio']:.2f}x; CPU {run.get('cpu_ratio', 0):.2f}x), events {info.get('events')}, "
                        f"lost {info.get('lost', info.get('lost_chunks'))}")
                    prev = self.results["kept"].get(key)
                    if prev and os.path.exists(prev):
                        os.unlink(prev)
                    self.results["kept"][key] = path
                    self.results["truth"][key] = truth

    def mixed(self, recorders):
        """W4: one traced run per recorder in W4_RECORDERS, for bytes/event and a big recording."""
        for r in recorders:
            if r.name not in W4_RECORDERS:
                continue
            key = f"w4/{r.name}"
            log(f"== w4: {self.wl.w4_seconds} s mixed minute under {r.name}")
            path = os.path.join(self.out, f"w4.{r.name}.{ {'trace-cmd': 'dat', 'bpfrec': 'trc'}[r.name]}")
            try:
                truth, info = r.record(self.wl.argv("w4"), path)
            except RuntimeError as e:
                log(f"   {key}: {e}")
                self.results["runs"][key] = [{"error": str(e)[:500]}]
                continue
            info["bytes"] = os.path.getsize(path) if os.path.exists(path) else None
            self.results["runs"][key] = [{"traced_ns": int(truth["loop_ns"]), "traced_cpu_ns": int(truth["cpu_ns"]), **info}]
            self.results["kept"][key] = path
            self.results["truth"][key] = truth
            log(f"   {key}: {int(truth['requests']) / (int(truth['loop_ns']) / 1e9):,.0f} requests/s, "
                f"{truth['execs']} execs, events {info.get('events')}, lost {info.get('lost')}, "
                f"{(info['bytes'] or 0) / 1e6:.1f} MB")

    # -- counting and readers on the kept recordings
    def reader(self, label, tool, w, cmd, events, out_path=None, env=None):
        wall, rss, rc, err = timed(cmd, out_path, env)
        row = {"workload": w, "recorder": tool, "reader": label, "seconds": wall, "rss": rss,
               "events": events, "rate": (events / wall) if events and wall > 0 and rc == 0 else None,
               "rc": rc}
        if rc != 0:
            row["error"] = err.strip().splitlines()[-1][:200] if err.strip() else f"exit {rc}"
        self.results["readers"].append(row)
        log(f"   {label} on {w}: {wall:.2f} s, {rss/2**20:.0f} MB" + (f" (failed: {row.get('error')})" if rc else ""))
        return row

    def analyse(self, recorders):
        names = {r.name for r in recorders}
        tmp = os.path.join(self.out, "text")
        os.makedirs(tmp, exist_ok=True)
        for w in self.a.workloads:
            log(f"== {w}: counting events and timing readers")
            # perf
            key = f"{w}/perf"
            if "perf" in names and key in self.results["kept"]:
                f, truth = self.results["kept"][key], self.results["truth"][key]
                st = sh(["perf", "report", "--stats", "-i", f]).stdout
                samples = sum(int(x) for x in re.findall(r"^\s+SAMPLE events:\s+(\d+)", st, re.M)[1:]) or None
                lost = sum(int(x) for x in re.findall(r"LOST_SAMPLES events:\s+(\d+)", st)[1:])
                txt = os.path.join(tmp, f"{w}.perf.txt")
                self.reader("perf script", "perf", w, ["perf", "script", "--show-lost-events", "-i", f], samples, txt)
                data = open(txt, "rb").read()
                lost += sum(int(x) for x in re.findall(rb"LOST (\d+) events", data))
                self.results["captured"][key] = {"got": count_text(w, truth, data, "perf"), "lost": lost,
                                                 "events": samples}
                del data
                os.unlink(txt)
                if w in READERS["perf trace -s"]:
                    self.reader("perf trace -s", "perf", w, ["perf", "trace", "-s", "-i", f], samples)
                if w in READERS["perf sched latency"]:
                    self.reader("perf sched latency", "perf", w, ["perf", "sched", "latency", "-i", f], samples)
            key = f"{w}/trace-cmd"
            if "trace-cmd" in names and key in self.results["kept"] and w == "w4":
                # trace-cmd report over the minute (tens of millions of events) would take minutes:
                # its reading speed is measured on W1-W3.
                st = self.results["runs"][key][-1]
                self.results["captured"][key] = {"got": {}, "lost": st.get("lost"), "events": st.get("events")}
            elif "trace-cmd" in names and key in self.results["kept"]:
                f, truth = self.results["kept"][key], self.results["truth"][key]
                st = next(r for r in recorders if r.name == "trace-cmd").stats(f)
                txt = os.path.join(tmp, f"{w}.tc.txt")
                self.reader("trace-cmd report", "trace-cmd", w, ["trace-cmd", "report", "-i", f], st["events"], txt)
                data = open(txt, "rb").read()
                self.results["captured"][key] = {"got": count_text(w, truth, data, "tc"), "lost": st["lost"],
                                                 "events": st["events"]}
                del data
                os.unlink(txt)
            key = f"{w}/floor"
            if "floor" in names and key in self.results["kept"]:
                f, truth = self.results["kept"][key], self.results["truth"][key]
                last = self.results["runs"][key][-1]
                self.results["captured"][key] = {"got": count_floor(w, truth, f), "lost": last.get("lost"),
                                                 "events": last.get("events")}
                z = subprocess.run(f"zstd -3 -c {f} | wc -c", shell=True, capture_output=True, text=True)
                self.results["captured"][key]["zstd3_bytes"] = int(z.stdout.strip() or 0)
            key = f"{w}/bpfrec"
            if "bpfrec" in names and key in self.results["kept"]:
                f, truth = self.results["kept"][key], self.results["truth"][key]
                last = self.results["runs"][key][-1]
                got = self.count_bpfrec(w, truth, f)
                self.results["captured"][key] = {"got": got, "lost": last.get("lost"), "events": last.get("events")}
                tables = last.get("tables", {})

                def rows(*names):
                    return sum(tables.get(n, ("", 0))[1] for n in names)
                reads = {"syscount": 2 * rows("syscall"),
                         "runqlat": rows("sched_switch", "sched_wakeup", "sched_wakeup_new"),
                         "biolatency": rows("block_rq_issue", "block_rq_complete")}
                for tool, args in (("syscount", ["syscount"]), ("runqlat", ["runqlat"]),
                                   ("biolatency", ["biolatency"])):
                    if w not in READERS[f"bpfan {tool}"]:
                        continue
                    if tool in self.bpfan_tools:
                        self.reader(f"bpfan {tool}", "bpfrec", w, [self.bpfan] + args + [f], reads[tool])
                    else:
                        self.results["readers"].append({"workload": w, "recorder": "bpfrec",
                                                        "reader": f"bpfan {tool}", "error": "not available yet"})

    def scaling(self):
        """bpfan syscount over recordings of ~10 M, 100 M and 1 G events, synthesised from the
        W1 bpfrec recording: its schema and metadata blocks, then its chunk blocks repeated, and no
        footer (the reader then indexes by scanning; schemas/FORMAT.md). Stops early when the next
        size would not fit the time budget."""
        key = "w1/bpfrec"
        src = self.results["kept"].get(key)
        if not src or "syscount" not in self.bpfan_tools:
            self.results["scaling_note"] = "not measured (needs the W1 bpfrec recording and bpfan syscount)"
            return
        run = self.results["runs"][key][-1]
        per_copy = 2 * run.get("tables", {}).get("syscall", ("", 0))[1]  # syscall rows, as events
        if not per_copy:
            self.results["scaling_note"] = "not measured (the W1 recording has no syscall rows)"
            return
        data = open(src, "rb").read()
        pos, head, chunks = 32, [], []
        while pos + 24 <= len(data):
            tag = data[pos:pos + 4]
            length = struct.unpack_from("<Q", data, pos + 8)[0]
            if tag == b"FOOT":
                break
            (chunks if tag == b"CHNK" else head).append(data[pos:pos + 24 + length])
            pos += 24 + length
        body = b"".join(chunks)
        del data
        budget = self.a.scaling_budget
        t_start = time.monotonic()
        prev = None
        for target in (10_000_000, 100_000_000, 1_000_000_000):
            copies = max(1, round(target / per_copy))
            need = copies * len(body)
            if prev:  # extrapolate linearly from the previous size
                est = prev["seconds"] * copies / prev["copies"]
                left = budget - (time.monotonic() - t_start)
                if est > left or need > shutil.disk_usage(self.out).free // 2:
                    self.results["scaling"].append({"target": target, "skipped":
                        f"skipped: ~{est:.0f} s expected, {max(left, 0):.0f} s of the {budget} s budget left"
                        if est > left else "skipped: not enough space"})
                    continue
            path = os.path.join(self.out, f"scale-{target // 1_000_000}M.trc")
            with open(path, "wb") as f:
                f.write(open(src, "rb").read(32))
                for blk in head:
                    f.write(blk)
                for _ in range(copies):
                    f.write(body)
            wall, rss, rc, err = timed([self.bpfan, "syscount", path])
            row = {"target": target, "events": copies * per_copy, "copies": copies,
                   "bytes": os.path.getsize(path), "seconds": wall, "rss": rss, "rc": rc,
                   "error": err.strip()[-200:] if rc else None}
            self.results["scaling"].append(row)
            log(f"   scaling: {row['events']:,} events, {row['bytes'] / 1e9:.2f} GB: {wall:.2f} s, {rss / 2**20:.0f} MB")
            os.unlink(path)
            if rc:
                break
            prev = row

    # `bpfan bt` programs timed over the W1 recording (issue 12's speed questions): a map-only
    # program (run on every core, BtOrderIndependence), a hist() of syscall latencies (map reads:
    # time order, one core) and a printf per event to /dev/null, beside `perf script` on W1.
    BT_PROGRAMS = (
        ("map: @[comm] = count()", "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }", 1),
        ("hist of syscall latency", "tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; } "
         "tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); }", 2),
        ("printf per event", "tracepoint:raw_syscalls:sys_enter { printf(\"%s %d %d\\n\", comm, tid, args->id); }", 1),
    )

    def bt_speed(self, budget):
        """bpfan bt over the W1 bpfrec recording, then the map-only program over a ~100 M-event
        recording synthesised from it (its syscall and process chunks, each copy shifted in time).
        Events: syscall rows, twice for the two-probe latency program."""
        key = "w1/bpfrec"
        src = self.results["kept"].get(key)
        if not src or "bt" not in self.bpfan_tools:
            self.results["bt_note"] = "not measured (needs the W1 bpfrec recording and bpfan bt)"
            return
        calls = self.results["runs"][key][-1].get("tables", {}).get("syscall", ("", 0))[1]
        t_start = time.monotonic()
        for label, program, per_call in self.BT_PROGRAMS:
            wall, rss, rc, err = timed([self.bpfan, "bt", "-e", program, src], "/dev/null")
            self.results["bt"].append({"program": label, "file": "W1", "events": per_call * calls, "seconds": wall,
                                       "rss": rss, "rc": rc, "error": err.strip()[-200:] if rc else None})
            log(f"   bt {label} on W1: {wall:.2f} s, {rss / 2**20:.0f} MB")
        big = os.path.join(self.out, "bt-100M.trc")
        process = {"process_snapshot", "process_fork", "process_exec", "comm_change", "process_exit"}
        rows, copies = synthesise_shifted(src, big, {"syscall"} | process, 100_000_000)
        if not rows:
            return
        info = sh([self.bpfan, "info", big]).stdout
        m = re.search(r"^syscall\s+\S+\s+(\d+)", info, re.M)
        events = int(m.group(1)) if m else rows
        label, program, _ = self.BT_PROGRAMS[0]
        if time.monotonic() - t_start > budget:
            self.results["bt"].append({"program": label, "file": "synthesised", "skipped": "budget spent"})
        else:
            wall, rss, rc, err = timed([self.bpfan, "bt", "-e", program, big], "/dev/null")
            self.results["bt"].append({"program": label, "file": f"synthesised ({copies} shifted copies of W1)", "events": events,
                                       "bytes": os.path.getsize(big), "seconds": wall, "rss": rss, "rc": rc,
                                       "error": err.strip()[-200:] if rc else None})
            log(f"   bt {label} on {events:,} events: {wall:.2f} s, {rss / 2**20:.0f} MB")
        os.unlink(big)

    # bpfan tools that pair events in time order, the workload whose recording they read, and
    # the tables they read (their rows are the events counted, as in the reading table).
    PAIRED = (("runqlat", "w2", ("sched_switch", "sched_wakeup", "sched_wakeup_new")),
              ("biolatency", "w3", ("block_rq_issue", "block_rq_complete")))

    def paired_scaling(self, budget):
        """bpfan runqlat and biolatency over recordings of ~10 M, 100 M and 1 G events of the
        tables they read, synthesised from the W2 / W3 bpfrec recordings with each copy shifted in
        time (synthesise_shifted), so that events/s measures the ordered pairing, not start-up.
        The budget is shared; a size is skipped when the linear extrapolation from the previous
        one does not fit what is left of it."""
        t_start = time.monotonic()
        for tool, w, tables in self.PAIRED:
            src = self.results["kept"].get(f"{w}/bpfrec")
            if not src or tool not in self.bpfan_tools:
                self.results["paired_scaling"].append({"tool": tool, "skipped": f"needs the {w.upper()} bpfrec recording"})
                continue
            prev = None
            for target in (10_000_000, 100_000_000, 1_000_000_000):
                left = budget - (time.monotonic() - t_start)
                if prev:
                    est = prev["seconds"] * target / prev["events"]
                    need = prev["bytes"] * target / prev["events"]
                    if est > left or need > shutil.disk_usage(self.out).free // 2:
                        self.results["paired_scaling"].append({"tool": tool, "target": target, "skipped":
                            f"skipped: ~{est:.0f} s expected, {max(left, 0):.0f} s of the {budget} s budget left"
                            if est > left else "skipped: not enough space"})
                        continue
                elif left <= 0:
                    self.results["paired_scaling"].append({"tool": tool, "target": target, "skipped": "skipped: budget spent"})
                    continue
                path = os.path.join(self.out, f"scale-{tool}-{target // 1_000_000}M.trc")
                events, copies = synthesise_shifted(src, path, set(tables), target)
                if not events:
                    self.results["paired_scaling"].append({"tool": tool, "skipped": f"the {w.upper()} recording has no rows of {', '.join(tables)}"})
                    break
                wall, rss, rc, err = timed([self.bpfan, tool, path])
                row = {"tool": tool, "workload": w, "target": target, "events": events, "copies": copies,
                       "bytes": os.path.getsize(path), "seconds": wall, "rss": rss, "rc": rc,
                       "error": err.strip()[-200:] if rc else None}
                self.results["paired_scaling"].append(row)
                log(f"   scaling {tool}: {events:,} events, {row['bytes'] / 1e9:.2f} GB: {wall:.2f} s, {rss / 2**20:.0f} MB")
                os.unlink(path)
                if rc:
                    break
                prev = row

    def count_bpfrec(self, w, truth, path):
        """Counts through bpfan itself where a tool answers the question (else nothing)."""
        got = {}
        if w == "w1" and "syscount" in self.bpfan_tools:
            p = sh([self.bpfan, "syscount", "-p", truth["pid"], path])
            m = re.search(r"^\s*getppid\s+(\d+)", p.stdout, re.M)
            if m:
                got["getppid enter+exit"] = 2 * int(m.group(1))
        if w == "w2" and "syscount" in self.bpfan_tools:
            n = 0
            for pid in (truth["pid"], truth["child"]):
                p = sh([self.bpfan, "syscount", "-p", pid, path])
                for name in ("read", "write"):
                    m = re.search(rf"^\s*{name}\s+(\d+)", p.stdout, re.M)
                    if m:
                        n += 2 * int(m.group(1))
            got["read/write enter+exit (all sizes)"] = n
        if w == "w3" and "biolatency" in self.bpfan_tools:
            p = sh([self.bpfan, "biolatency", "-D", path])
            (maj, mnr), _ = block_target(truth)
            disk = "?"
            try:
                disk = re.search(r"^DEVNAME=(\S+)", open(f"/sys/dev/block/{maj}:{mnr}/uevent").read(), re.M).group(1)
            except (OSError, AttributeError):
                pass
            # biolatency -D: one histogram per disk; every I/O of that disk, not only the file's
            sect = re.search(rf"^disk = {re.escape(disk)}\s*$(.*?)(?=^disk = |\Z)", p.stdout, re.M | re.S)
            if sect:
                tot = sum(int(x) for x in re.findall(r"^\s*\d+ -> \d+\s*:\s*(\d+)", sect.group(1), re.M))
                got[f"block_rq_issue+complete on {disk} (biolatency -D, x2)"] = 2 * tot
        return got

    # -- report
    def report(self, recorders, skipped):
        R = self.results
        lines = []
        P = lines.append
        m = R["machine"]
        m["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        P("## make bench results\n")
        P(f"Machine: Linux {m['kernel']}, {m['cpus']} CPUs, {m['mem_gib']} GiB; perf {m.get('perf')}, "
          f"trace-cmd {m.get('trace-cmd')}, libbpf {m.get('libbpf')}, zstd {m.get('zstd')}. "
          f"W3 file: {m.get('w3_fs')}. Load average at start {' '.join(m['loadavg_start'])}, "
          f"at end {' '.join(m['loadavg_end'])}. {self.a.runs} pairs per cell, medians; recordings in {self.out}.")
        if self.a.scale != 1:
            P(f"\n**Development run: workloads scaled by {self.a.scale}; not comparable figures.**")
        for n in R["notes"]:
            P(f"\n**Note:** {n}")
        for name, note in skipped.items():
            P(f"\n**{name}:** {note}")
        P("\n### Recording: overhead, completeness, size\n")
        P("| workload | recorder | untraced ms | traced ms | slowdown | vs floor | vs trace-cmd | "
          "CPU slowdown | CPU vs floor | captured / expected | lost | bytes/event | file MB |")
        P("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
        summary = {}
        for w in self.a.workloads:
            if w == "w4":
                continue
            exp = None
            for r in TOOLS:
                key = f"{w}/{r}"
                runs = [x for x in R["runs"].get(key, []) if "ratio" in x]
                if r in skipped or not runs:
                    if r in skipped:
                        P(f"| {w} | {r} | | | not measured | | | | | | | | |")
                    elif key in R["runs"]:
                        P(f"| {w} | {r} | | | failed: {R['runs'][key][-1].get('error', '')[:80]} | | | | | | | | |")
                    continue
                sl = median([x["ratio"] for x in runs])
                cap = R["captured"].get(key, {})
                truth = R["truth"].get(key)
                exp = expected_counts(w, truth) if truth else {}
                got = cap.get("got", {})
                keys = [k for k in exp if k in got] + [k for k in got if k not in exp]
                capcell = "; ".join(f"{got[k]:,} / {exp[k]:,} {k}" if k in exp else f"{got[k]:,} {k}"
                                    for k in keys) or "not counted"
                last = runs[-1]
                events = cap.get("events") or last.get("events")
                lost = cap.get("lost", last.get("lost"))
                if lost is None and "lost_chunks" in last:
                    lost = f"{last['lost_chunks']} chunks"
                # every run's loss, not only the kept one's (perf's per-run figure is in chunks)
                worst = max((x.get("lost") or 0) for x in runs)
                worst_chunks = max((x.get("lost_chunks") or 0) for x in runs)
                lostcell = f"{lost:,}" if isinstance(lost, int) else (lost if lost is not None else "?")
                if isinstance(lost, int) and worst > lost:
                    lostcell += f" (worst run {worst:,})"
                if worst_chunks:
                    lostcell += f" ({worst_chunks} chunks in the worst run)"
                if isinstance(lost, int):
                    lost = max(lost, worst)
                bpe = (last["bytes"] / events) if events and last.get("bytes") else None
                bpe_cell = f"{bpe:.1f}" if bpe else "?"
                if r == "floor" and cap.get("zstd3_bytes") and events:
                    bpe_cell += f" ({cap['zstd3_bytes'] / events:.1f} zstd -3)"
                csl = median([x.get("cpu_ratio") for x in runs])
                summary[key] = {"slowdown": sl, "cpu_slowdown": csl, "bpe": bpe, "lost": lost, "got": got, "exp": exp,
                                "untraced_ms": median([x["untraced_ns"] for x in runs]) / 1e6,
                                "traced_ms": median([x["traced_ns"] for x in runs]) / 1e6}
                P(f"| {w} | {r} | {summary[key]['untraced_ms']:.0f} | {summary[key]['traced_ms']:.0f} | "
                  f"{sl:.2f}× | VSFLOOR_{key} | VSTC_{key} | "
                  + (f"{csl:.2f}×" if csl else "?") + f" | CPURATIO_{key} | {capcell} | {lostcell} | "
                  f"{bpe_cell} | {(last['bytes'] or 0) / 1e6:.1f} |")
        text = "\n".join(lines)
        for key, s in summary.items():
            w = key.split("/")[0]
            fl, tc = summary.get(f"{w}/floor"), summary.get(f"{w}/trace-cmd")
            text = text.replace(f"VSFLOOR_{key}", f"{s['slowdown'] / fl['slowdown']:.2f}" if fl else "—")
            text = text.replace(f"VSTC_{key}", f"{s['slowdown'] / tc['slowdown']:.2f}" if tc else "—")
            text = text.replace(f"CPURATIO_{key}", f"{s['cpu_slowdown'] / fl['cpu_slowdown']:.2f}"
                                if fl and fl.get("cpu_slowdown") and s.get("cpu_slowdown") else "—")
        lines = [text]
        P = lines.append
        P("\n`slowdown` = median over pairs of traced / untraced loop time; `vs floor`, `vs trace-cmd` = "
          "slowdown / that recorder's slowdown on the same workload. `CPU slowdown`: the same with the "
          "workload's CPU time (user + system; the probes run in the traced task), which other load on "
          "the machine disturbs much less than the wall time. `captured / expected`: the "
          "workload's own events found in the recording of the last traced run, against its printed "
          "ground truth. `bytes/event` = output file size / all events in it (the whole system's).")
        if "w4" in self.a.workloads:
            self.report_mixed(P, summary)
        P("\n### Reading: events per second and peak RSS\n")
        P("| workload | reader | events | seconds | events/s | peak RSS MB |")
        P("|---|---|---:|---:|---:|---:|")
        for row in R["readers"]:
            if row.get("error") and "seconds" not in row:
                P(f"| {row['workload']} | {row['reader']} | | | {row['error']} | |")
                continue
            rate = f"{row['rate'] / 1e6:.2f} M" if row.get("rate") else (row.get("error") or "?")
            P(f"| {row['workload']} | {row['reader']} | {row['events'] or 0:,} | {row['seconds']:.2f} | "
              f"{rate} | {row['rss'] / 2**20:.0f} |")
        P("\n### Scaling: `bpfan syscount` over synthesised recordings (W1 chunks repeated)\n")
        if R.get("scaling_note") or not R["scaling"]:
            P(R.get("scaling_note", "not measured"))
        else:
            P("| events | file GB | seconds | events/s | peak RSS MB |")
            P("|---:|---:|---:|---:|---:|")
            for row in R["scaling"]:
                if "skipped" in row:
                    P(f"| ~{row['target']:,} | | {row['skipped']} | | |")
                elif row["rc"]:
                    P(f"| {row['events']:,} | {row['bytes'] / 1e9:.2f} | failed: {row['error']} | | |")
                else:
                    P(f"| {row['events']:,} | {row['bytes'] / 1e9:.2f} | {row['seconds']:.2f} | "
                      f"{row['events'] / row['seconds'] / 1e6:.1f} M | {row['rss'] / 2**20:.0f} |")
        P("\n### Scaling: `bpfan runqlat` (W2) and `bpfan biolatency` (W3) over synthesised recordings"
          " (their tables' chunks repeated, each copy shifted in time)\n")
        if not R.get("paired_scaling"):
            P(R.get("paired_scaling_note", "not measured"))
        else:
            P("| tool | events | file GB | seconds | events/s | peak RSS MB |")
            P("|---|---:|---:|---:|---:|---:|")
            for row in R["paired_scaling"]:
                if "skipped" in row:
                    size = f"~{row['target']:,}" if "target" in row else ""
                    P(f"| {row['tool']} | {size} | | {row['skipped']} | | |")
                elif row["rc"]:
                    P(f"| {row['tool']} | {row['events']:,} | {row['bytes'] / 1e9:.2f} | failed: {row['error']} | | |")
                else:
                    P(f"| {row['tool']} | {row['events']:,} | {row['bytes'] / 1e9:.2f} | {row['seconds']:.2f} | "
                      f"{row['events'] / row['seconds'] / 1e6:.1f} M | {row['rss'] / 2**20:.0f} |")
        P("\n### `bpfan bt` (offline bpftrace) over the W1 recording and a synthesised one\n")
        if R.get("bt_note") or not R["bt"]:
            P(R.get("bt_note", "not measured"))
        else:
            P("| program | recording | events | seconds | events/s | peak RSS MB |")
            P("|---|---|---:|---:|---:|---:|")
            for row in R["bt"]:
                if "skipped" in row:
                    P(f"| {row['program']} | {row['file']} | | {row['skipped']} | | |")
                elif row["rc"]:
                    P(f"| {row['program']} | {row['file']} | {row['events']:,} | failed: {row['error']} | | |")
                else:
                    P(f"| {row['program']} | {row['file']} | {row['events']:,} | {row['seconds']:.2f} | "
                      f"{row['events'] / row['seconds'] / 1e6:.1f} M | {row['rss'] / 2**20:.0f} |")
            ps = next((r for r in R["readers"] if r["workload"] == "w1" and r["reader"] == "perf script" and r.get("rate")), None)
            if ps:
                P(f"\n`perf script` over W1's perf recording, for the printf row: {ps['events']:,} events in "
                  f"{ps['seconds']:.2f} s, {ps['rate'] / 1e6:.2f} M events/s.")
        P("\n### Verdicts (against the targets)\n")
        for v in self.verdicts(summary, skipped):
            P(f"- {v}")
        text = "\n".join(lines) + "\n"
        R["summary"] = summary
        return text

    def report_mixed(self, P, summary):
        R = self.results
        P(f"\n### W4, the mixed minute ({self.wl.w4_seconds} s): one traced run per recorder\n")
        P("| recorder | requests/s | execs | log syncs | events | lost | bytes/event | file MB | workload CPU s |")
        P("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in W4_RECORDERS:
            key = f"w4/{r}"
            runs = R["runs"].get(key)
            if not runs:
                P(f"| {r} | not measured | | | | | | | |")
                continue
            run = runs[-1]
            if "error" in run:
                P(f"| {r} | failed: {run['error'][:80]} | | | | | | | |")
                continue
            t = R["truth"][key]
            secs = int(t["loop_ns"]) / 1e9
            events = run.get("events")
            bpe = run["bytes"] / events if events and run.get("bytes") else None
            summary[key] = {"bpe": bpe, "lost": run.get("lost"), "requests_per_s": int(t["requests"]) / secs}
            P(f"| {r} | {int(t['requests']) / secs:,.0f} | {int(t['execs']):,} | {int(t['syncs']):,} | "
              f"{events or 0:,} | {run.get('lost')} | " + (f"{bpe:.2f}" if bpe else "?")
              + f" | {(run.get('bytes') or 0) / 1e6:.1f} | {int(t['cpu_ns']) / 1e9:.1f} |")
        P("\nW4 runs a loopback server (2 clients, one 16 KiB page per connection), a compiler loop "
          "and a logger that fdatasyncs every 10 ms for the whole time; `requests/s` is its "
          "throughput while recorded (both cores are busy, so a costlier recorder shows as fewer "
          "requests). `events` counts tracepoint hits as in the table above.")

    def verdicts(self, s, skipped):
        out = []
        if "bpfrec" in skipped:
            why = skipped["bpfrec"]
            return [f"bpfrec slowdown within 10% of the floor on W1/W2: not measured ({why})",
                    f"bpfrec slowdown below trace-cmd's on every workload: not measured ({why})",
                    f"bpfrec bytes/event below trace-cmd's and ≤ 1.5 / 3 / 8: not measured ({why})",
                    f"zero lost events on W1–W3: not measured ({why})",
                    "analyzer ≥ 50 M events/s, ≥ 8× perf trace -s, ≥ 60× perf script, RSS < 200 MB: not measured"]

        def get(w, r):
            return s.get(f"{w}/{r}")
        for w in ("w1", "w2"):
            b, f = get(w, "bpfrec"), get(w, "floor")
            if b and f:
                ok = b["slowdown"] <= 1.10 * f["slowdown"]
                cpu = ""
                if b.get("cpu_slowdown") and f.get("cpu_slowdown"):
                    cok = b["cpu_slowdown"] <= 1.10 * f["cpu_slowdown"]
                    cpu = (f"; by CPU time {'met' if cok else 'MISSED'}: {b['cpu_slowdown']:.2f}× vs "
                           f"{f['cpu_slowdown']:.2f}×, ratio {b['cpu_slowdown'] / f['cpu_slowdown']:.2f}")
                out.append(f"{w.upper()} bpfrec within 10% of the floor: {'met' if ok else 'MISSED'} "
                           f"({b['slowdown']:.2f}× vs floor {f['slowdown']:.2f}×, ratio {b['slowdown'] / f['slowdown']:.2f}{cpu})")
        for w in self.a.workloads:
            b, t = get(w, "bpfrec"), get(w, "trace-cmd")
            if b and t and "slowdown" in b and "slowdown" in t:
                ok = b["slowdown"] < t["slowdown"]
                cpu = ""
                if b.get("cpu_slowdown") and t.get("cpu_slowdown"):
                    cok = b["cpu_slowdown"] < t["cpu_slowdown"]
                    cpu = (f"; by CPU time {'met' if cok else 'MISSED'}: {b['cpu_slowdown']:.2f}× vs "
                           f"{t['cpu_slowdown']:.2f}×")
                out.append(f"{w.upper()} bpfrec slowdown below trace-cmd's: {'met' if ok else 'MISSED'} "
                           f"({b['slowdown']:.2f}× vs {t['slowdown']:.2f}×{cpu})")
        for w in self.a.workloads:
            b, t = get(w, "bpfrec"), get(w, "trace-cmd")
            if b and b["bpe"] and w not in TARGET_BPE:
                ok = not t or not t["bpe"] or b["bpe"] < t["bpe"]
                vs = f" vs trace-cmd {t['bpe']:.2f}" if t and t["bpe"] else ""
                out.append(f"{w.upper()} bytes/event below trace-cmd's: {'met' if ok else 'MISSED'} ({b['bpe']:.2f}{vs})")
            elif b and b["bpe"]:
                ok = b["bpe"] <= TARGET_BPE[w] and (not t or not t["bpe"] or b["bpe"] < t["bpe"])
                vs = f" vs trace-cmd {t['bpe']:.2f}" if t and t["bpe"] else ""
                out.append(f"{w.upper()} bytes/event ≤ {TARGET_BPE[w]} and below trace-cmd's: "
                           f"{'met' if ok else 'MISSED'} ({b['bpe']:.2f}{vs})")
            elif b:
                out.append(f"{w.upper()} bytes/event: not measured (bpfan info gave no event count)")
        for w in self.a.workloads:
            b = get(w, "bpfrec")
            if b:
                lost = b["lost"]
                out.append(f"{w.upper()} zero lost events: " + ("met" if lost == 0 else
                           ("not measured (loss unknown)" if lost is None else f"MISSED ({lost} lost)")))
        rates = [r for r in self.results["readers"] if r["reader"].startswith("bpfan") and r.get("rate")]
        if not rates:
            out.append("analyzer ≥ 50 M events/s and RSS < 200 MB: not measured (bpfan tools not available yet)")
        for r in rates:
            ok = r["rate"] >= 50e6 and r["rss"] < 200 * 2**20
            peer = {"bpfan syscount": "perf trace -s", "bpfan runqlat": "perf sched latency"}.get(r["reader"], "-")
            pt = [x for x in self.results["readers"] if x["workload"] == r["workload"] and x["reader"] == peer and x.get("rate")]
            ps = [x for x in self.results["readers"] if x["workload"] == r["workload"] and x["reader"] == "perf script" and x.get("rate")]
            extra = ""
            if pt:
                extra += f", {r['rate'] / pt[0]['rate']:.1f}× {peer}" + (" (target 8×)" if peer == "perf trace -s" else "")
            if ps:
                extra += f", {r['rate'] / ps[0]['rate']:.1f}× perf script (target 60×)"
            out.append(f"{r['workload'].upper()} {r['reader']} ≥ 50 M events/s, RSS < 200 MB: "
                       f"{'met' if ok else 'MISSED'} ({r['rate'] / 1e6:.1f} M/s, {r['rss'] / 2**20:.0f} MB{extra})")
        for tool, w, _ in self.PAIRED:
            ps = [r for r in self.results.get("paired_scaling", []) if r["tool"] == tool and "seconds" in r and not r["rc"]]
            if ps:
                big = ps[-1]
                rate = big["events"] / big["seconds"]
                ok = rate >= 50e6 and max(r["rss"] for r in ps) < 200 * 2**20
                out.append(f"bpfan {tool} over a synthesised {w.upper()} recording of {big['events'] / 1e6:.0f} M events "
                           f"≥ 50 M events/s, RSS < 200 MB: {'met' if ok else 'MISSED'} ({rate / 1e6:.1f} M/s, "
                           f"peak RSS " + ", ".join(f"{r['rss'] / 2**20:.0f}" for r in ps) + " MB)")
        sc = [r for r in self.results["scaling"] if "seconds" in r and not r["rc"]]
        if len(sc) >= 2:
            lin = [(b["seconds"] / a["seconds"]) / (b["events"] / a["events"]) for a, b in zip(sc, sc[1:])]
            rss_ok = all(r["rss"] < 200 * 2**20 for r in sc)
            sub = sc[-1]["rss"] / sc[0]["rss"] < sc[-1]["events"] / sc[0]["events"]
            out.append("scaling: time linear (time ratio / events ratio per step: "
                       + ", ".join(f"{x:.2f}" for x in lin) + f"), peak RSS "
                       + ("sub-linear" if sub else "NOT sub-linear") + " and "
                       + ("under 200 MB: met" if rss_ok else "over 200 MB: MISSED")
                       + " (" + ", ".join(f"{r['rss'] / 2**20:.0f}" for r in sc) + " MB)")
        elif sc:
            out.append("scaling: one size only (the others did not fit the time budget)")
        bt = [r for r in self.results.get("bt", []) if r.get("program", "").startswith("map") and "seconds" in r and not r["rc"]]
        if bt:
            big = bt[-1]
            rate = big["events"] / big["seconds"]
            out.append(f"bpfan bt map-only program ≥ 30 M events/s on {os.cpu_count()} cores, RSS bounded by the maps: "
                       f"{'met' if rate >= 30e6 else 'MISSED'} ({rate / 1e6:.1f} M/s over {big['events'] / 1e6:.0f} M events, "
                       f"peak RSS " + ", ".join(f"{r['rss'] / 2**20:.0f}" for r in bt) + " MB)")
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory with w1 w2 w3 floor tracecmd_shim.so")
    ap.add_argument("--out", default="/dev/shm/bpfrec-bench", help="where recordings go (default tmpfs)")
    ap.add_argument("--runs", type=int, default=3, help="pairs (untraced, traced) per workload and recorder")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--w3-file", default="/var/tmp/bpfrec-bench-w3.dat")
    ap.add_argument("--bpfrec", default=None)
    ap.add_argument("--bpfan", default=None)
    ap.add_argument("--w4-seconds", type=int, default=60, help="how long W4, the mixed minute, runs")
    ap.add_argument("--scale", type=float, default=1.0, help="scale workload sizes (development only)")
    ap.add_argument("--scaling-budget", type=int, default=120,
                    help="seconds for the bpfan syscount scaling curve (0: skip it)")
    ap.add_argument("--paired-scaling-budget", type=int, default=None,
                    help="seconds for the bpfan runqlat / biolatency scaling curves (default 90, or 0 "
                         "when --scaling-budget is 0; 0: skip them)")
    ap.add_argument("--time-limit", type=int, default=570,
                    help="seconds the whole run should take at most: the scaling curve gets what is left")
    ap.add_argument("--keep-recordings", action="store_true",
                    help="leave the last recording of each workload and recorder in --out")
    ap.add_argument("--report", default=None, help="also write the markdown report here")
    a = ap.parse_args()
    if a.paired_scaling_budget is None:
        a.paired_scaling_budget = 90 if a.scaling_budget > 0 else 0
    a.workloads = [w for w in a.workloads.split(",") if w]
    if os.geteuid() != 0:
        raise SystemExit("make bench needs root (it loads BPF programs and runs perf/trace-cmd system-wide)")
    t0 = time.monotonic()
    b = Bench(a)
    b.preflight()
    classes = {"perf": Perf, "trace-cmd": TraceCmd, "floor": Floor, "bpfrec": Bpfrec}
    recorders, skipped = [], {}
    for name in a.tools.split(","):
        r = classes[name](b)
        if r.available():
            recorders.append(r)
            if r.note:
                b.results["notes"].append(f"{name}: {r.note}")
        else:
            skipped[name] = r.note
            log(f"{name}: {r.note}")
    if os.path.isdir(b.out):
        shutil.rmtree(b.out)
    try:
        b.overhead(recorders)
        b.analyse(recorders)
        left = a.time_limit - (time.monotonic() - t0)
        a.scaling_budget = min(a.scaling_budget, int(left) - 15)
        if a.scaling_budget > 0:
            b.scaling()
        else:
            b.results["scaling_note"] = (f"not measured: the run already took {time.monotonic() - t0:.0f} s "
                                         f"of its {a.time_limit} s limit (--time-limit, --scaling-budget)")
        left = a.time_limit - (time.monotonic() - t0)
        paired = min(a.paired_scaling_budget, int(left) - 15)
        if paired > 0:
            b.paired_scaling(paired)
        else:
            b.results["paired_scaling_note"] = (f"not measured: the run already took {time.monotonic() - t0:.0f} s "
                                                f"of its {a.time_limit} s limit (--time-limit, --paired-scaling-budget)")
        left = a.time_limit - (time.monotonic() - t0)
        if "w1" in a.workloads and left > 30:
            b.bt_speed(int(left) - 15)
        else:
            b.results["bt_note"] = f"not measured: W1 not run, or no time left of the {a.time_limit} s limit"
    finally:
        inst = f"/sys/kernel/tracing/instances/{TRACECMD_INSTANCE}"
        if os.path.isdir(inst):
            try:
                os.rmdir(inst)
            except OSError:
                pass
    text = b.report(recorders, skipped)
    text += f"\nTotal benchmark time: {time.monotonic() - t0:.0f} s.\n"
    print(text)
    os.makedirs(b.out, exist_ok=True)
    for path in filter(None, [os.path.join(b.out, "results.md"), a.report]):
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(b.out, "results.json"), "w") as f:
        json.dump(b.results, f, indent=1, default=str)
    if not a.keep_recordings:  # they take ~1.5 GB of tmpfs (RAM)
        for path in b.results["kept"].values():
            if os.path.exists(path):
                os.unlink(path)
        shutil.rmtree(os.path.join(b.out, "text"), ignore_errors=True)


if __name__ == "__main__":
    main()
