#!/usr/bin/env python3
"""offcputime against the live libbpf-tools offcputime on one run (root).

A python3 workload (3 threads contending for the GIL: 4 ms spins, 1 ms sleeps, getppid) waits
on a FIFO while bpfrec (-p, --families sched,stacks, plus RECORD_FLAGS) and then the live
offcputime -p attach, each waited for; then it works for 5 s and blocks on a second FIFO until
both tracers are gone. Every span of the busy phase starts and ends while both trace. Then
bpfan offcputime reads the recording and both outputs are compared by kernel stack (user
frames differ in how far each side walks them; the live tool's own frames atop its stacks are
left out, as bpfan leaves out bpfrec's; the kernel part ends at the first entry_SYSCALL*,
ret_from_fork* or asm_* frame, since past it a user frame can bear a kernel symbol's name): totals, and the share of the live total whose
(comm, tid, kernel stack) key bpfan also has. With --bpf-stats, kernel.bpf_stats_enabled is
on during the run (restored after) and each sched_switch program's ns/run is reported.

usage: offcputime-live.py BPFREC BPFAN OUT_DIR [--bpf-stats] [--record-flag F]... [-- OFFCPUTIME FLAGS]
Prints one JSON object.
"""
import json, os, re, subprocess, sys, time

WORK = r'''
import threading, time, os, sys
open(sys.argv[2]).read()
end = time.time() + float(sys.argv[1])
def worker():
    while time.time() < end:
        t = time.time() + 0.004
        x = 0
        while time.time() < t: x += 1
        time.sleep(0.001)
        os.getppid()
ts = [threading.Thread(target=worker) for _ in range(3)]
[t.start() for t in ts]; [t.join() for t in ts]
open(sys.argv[3]).read()
'''

KSYMS = None

def kernel_symbols():
    global KSYMS
    if KSYMS is None:
        KSYMS = set(l.split()[2] for l in open("/proc/kallsyms") if len(l.split()) >= 3)
    return KSYMS

def parse(text, strip_tracer):
    """bcc-format offcputime output → {(comm, tid, kernel frames): us}."""
    out = {}
    for block in text.split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if len(lines) < 2 or not lines[-1].strip().isdigit(): continue
        m = re.match(r"-\s+(.*) \((\d+)\)$", lines[-2].strip())
        if not m: continue
        frames = [l.strip() for l in lines[:-2]]
        if strip_tracer:
            while frames and re.match(r"bpf_prog_|bpf_trace_run|__traceiter_", frames[0]): frames.pop(0)
        # The kernel part ends at the entry from user mode (inclusive): a user frame can bear a
        # kernel symbol's name (bpfan names libc's memset), as in DifferentialSupport's kernelFrames.
        end = next((i for i, f in enumerate(frames) if re.match(r"entry_SYSCALL|ret_from_fork|asm_", f)), None)
        if end is not None: frames = frames[:end + 1]
        frames = tuple(f for f in frames if f in kernel_symbols() or f == "[Missed Kernel Stack]")
        key = (m.group(1), m.group(2), frames)
        out[key] = out.get(key, 0) + int(lines[-1].strip())
    return out

def unmatched(a, b, n=4):
    """The heaviest keys of a that b lacks, to show in a failure what a mismatch is made of."""
    keys = sorted((k for k in a if k not in b), key=lambda k: -a[k])[:n]
    return [{"comm": k[0], "tid": int(k[1]), "us": a[k], "frames": list(k[2])} for k in keys]

def attached(name):
    r = subprocess.run(["bpftool", "prog", "show", "name", name], capture_output=True, text=True)
    return name[:15] in r.stdout

def wait_for(name, proc, what):
    deadline = time.time() + 30
    while not attached(name):
        if proc.poll() is not None or time.time() > deadline: raise RuntimeError(f"{what} did not attach")
        time.sleep(0.01)

def main():
    args = sys.argv[1:]
    tool_flags = []
    if "--" in args:
        i = args.index("--"); tool_flags = args[i + 1:]; args = args[:i]
    stats = "--bpf-stats" in args
    if stats: args.remove("--bpf-stats")
    record_flags = []
    while "--record-flag" in args:
        i = args.index("--record-flag"); record_flags.append(args[i + 1]); del args[i:i + 2]
    bpfrec, bpfan, out = args
    os.makedirs(out, exist_ok=True)
    go, done, trc = os.path.join(out, "go"), os.path.join(out, "done"), os.path.join(out, "w.trc")
    for p in (go, done, trc):
        if os.path.exists(p): os.unlink(p)
    os.mkfifo(go); os.mkfifo(done)
    if not os.path.ismount("/sys/kernel/debug"):
        subprocess.run(["mount", "-t", "debugfs", "none", "/sys/kernel/debug"], check=False)
    old_stats = open("/proc/sys/kernel/bpf_stats_enabled").read().strip()
    work = subprocess.Popen([sys.executable, "-c", WORK, "5", go, done])
    live = rec = None
    try:
        time.sleep(0.3)
        if stats: open("/proc/sys/kernel/bpf_stats_enabled", "w").write("1")
        # bpfrec first (it attaches in ~0.2 s, the live tool in ms), each waited for.
        rec = subprocess.Popen([bpfrec, "record", "-o", trc, "--families", "sched,stacks", "-p", str(work.pid), "-d", "12"] + record_flags,
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "rec.log"), "w"))
        wait_for("offcpu_switch_btf", rec, "bpfrec")
        live = subprocess.Popen(["offcputime", "--stack-storage-size", "65536"] + tool_flags + ["-p", str(work.pid), "9"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for("sched_switch", live, "the live offcputime")
        time.sleep(0.3)
        open(go, "w").write("go\n")
        time.sleep(5.5)
        progs = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True).stdout) if stats else []
        live_out, live_err = live.communicate(timeout=30)
        rec.wait(timeout=30)
    finally:
        if stats: open("/proc/sys/kernel/bpf_stats_enabled", "w").write(old_stats)
        for p in (live, rec):
            if p and p.poll() is None: p.kill()
        # Non-blocking: after a failure before "go" the workload never opens done, and a
        # blocking open would wait for it forever.
        try:
            fd = os.open(done, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, b"done\n"); os.close(fd)
        except OSError:
            work.kill()
        work.wait(timeout=30)
    ours = subprocess.run([bpfan, "offcputime"] + tool_flags + ["-p", str(work.pid), trc], capture_output=True, text=True)
    open(os.path.join(out, "live.txt"), "w").write(live_out)
    open(os.path.join(out, "bpfan.txt"), "w").write(ours.stdout)
    a, b = parse(live_out, True), parse(ours.stdout, False)
    lt, bt = sum(a.values()), sum(b.values())
    report = {"live_total_us": lt, "bpfan_total_us": bt, "total_diff_pct": round(100 * (bt - lt) / lt, 3) if lt else None,
              "live_keys": len(a), "bpfan_keys": len(b),
              "live_weight_keyed_in_bpfan_pct": round(100 * sum(v for k, v in a.items() if k in b) / lt, 3) if lt else None,
              "live_only_keys": unmatched(a, b), "bpfan_only_keys": unmatched(b, a),
              "bpfan_stderr": ours.stderr.strip().split("\n"), "live_stderr": live_err.strip(), "live_status": live.returncode,
              "bpfan_status": ours.returncode}
    if stats:
        report["ns_per_run"] = {p["name"]: round(p["run_time_ns"] / p["run_cnt"]) for p in progs
                                if "switch" in p.get("name", "") and p.get("run_cnt")}
        report["runs"] = {p["name"]: p["run_cnt"] for p in progs if "switch" in p.get("name", "") and p.get("run_cnt")}
    print(json.dumps(report))

if __name__ == "__main__":
    main()
