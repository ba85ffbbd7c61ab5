#!/usr/bin/env python3
"""The generic-capture rows of `make bench` (issue 11): what recording tracepoints with
`bpfrec record -e` costs, against trace-cmd and perf on the same events, and against bpfrec's
dedicated families on the same tracepoints.

  W5 (softirq storm, w5.c): the irq tracepoints (irq_handler_entry/exit, softirq_entry/exit/
     raise) recorded by bpfrec -e (generic), bpfrec --families irq (dedicated, tp_btf),
     trace-cmd and perf. Each datagram is one NET_RX raise, entry and exit in the workload's
     context: the capture of those is counted exactly against the workload.
  W2 (context-switch storm, w2.c): sched_switch, sched_wakeup, sched_wakeup_new and
     sched_migrate_task recorded by bpfrec -e and by bpfrec --families sched: the cost of
     being generic.

For each row, RUNS pairs (untraced, traced) back to back, round robin; the median of the loop
time ratios is the slowdown; the last traced run gives events, bytes/event and loss.
Run as root with BIN holding w2, w5 and tracecmd_shim.so (make bench-tools).
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: sh, truth_line, start_background, stop_background)

IRQ = ["irq:irq_handler_entry", "irq:irq_handler_exit", "irq:softirq_entry", "irq:softirq_exit", "irq:softirq_raise"]
SCHED = ["sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new", "sched:sched_migrate_task"]


def bpfrec_run(ctx, args, wl_argv, out):
    cmd = [ctx.bpfrec, "record", "-o", out, "--force"] + args
    p, lines = bench.start_background(cmd, r"^bpfrec: recording ", 60)
    w = bench.sh(wl_argv)
    err = bench.stop_background(p)
    if w.returncode != 0:
        raise RuntimeError("workload failed: " + w.stderr)
    truth = bench.truth_line(w.stdout)
    info = bench.sh([ctx.bpfan, "info", out]).stdout
    m = re.search(r"^bpfrec: (\d+) events", err, re.M)
    lost = re.search(r"lost (\d+)", err)
    res = {"events": int(m.group(1)) if m else None, "lost": int(lost.group(1)) if lost else None}
    if "datagrams" in truth:
        # The workload's NET_RX softirqs, counted by bpfan bt over the recording.
        bt = bench.sh([ctx.bpfan, "bt", "-e", 't:irq:softirq_entry /args->vec == 3 && pid == $1/ { @n = count(); }', out, truth["pid"]])
        n = re.search(r"^@n: (\d+)$", bt.stdout, re.M)
        res["net_rx"] = int(n.group(1)) if n else 0
    res["info_lost"] = re.search(r"^lost:.*$", info, re.M).group(0) if re.search(r"^lost:.*$", info, re.M) else ""
    return truth, res


def tracecmd_run(ctx, events, wl_argv, out):
    cmd = ["trace-cmd", "record", "-B", bench.TRACECMD_INSTANCE, "-o", out]
    for e in events:
        cmd += ["-e", e]
    env = dict(os.environ, LD_PRELOAD=os.path.join(ctx.bin, "tracecmd_shim.so"))
    p = bench.sh(cmd + wl_argv, env=env)
    if p.returncode != 0 or not os.path.exists(out):
        raise RuntimeError("trace-cmd record failed: " + p.stderr[-1500:])
    truth = bench.truth_line(p.stdout)
    st = bench.sh(["trace-cmd", "report", "--stat", "-i", out])
    txt = st.stdout + st.stderr
    rep = bench.sh(["trace-cmd", "report", "-i", out]).stdout
    # Events: the report's event lines (--stat's "read events" counts ring pages' reads).
    res = {"events": len(re.findall(r"^\s*\S.*-\d+\s+\[\d+\]\s+[\d.]+:", rep, re.M)),
           "lost": sum(int(x) for x in re.findall(r"^overrun: (\d+)", txt, re.M)) + sum(int(x) for x in re.findall(r"dropped events: (\d+)", txt))}
    if "datagrams" in truth:
        res["net_rx"] = len(re.findall(rf"-{truth['pid']}\s+\[\d+\].*softirq_entry:\s+vec=3\b", rep))
    return truth, res


def perf_run(ctx, events, wl_argv, out):
    cmd = ["perf", "record", "-a", "-o", out]
    for e in events:
        cmd += ["-e", e]
    p = bench.sh(cmd + ["--"] + wl_argv)
    if p.returncode != 0 or "Captured and wrote" not in p.stderr:
        raise RuntimeError("perf record failed: " + p.stderr[-1500:])
    truth = bench.truth_line(p.stdout)
    m = re.search(r"\((\d+) samples\)", p.stderr)
    lost = re.search(r"lost (\d+) chunks", p.stderr)
    res = {"events": int(m.group(1)) if m else None, "lost": f"{lost.group(1)} chunks" if lost else 0}
    if "datagrams" in truth:
        s = bench.sh(["perf", "script", "-i", out, "-F", "pid,event,trace"]).stdout
        res["net_rx"] = len(re.findall(rf"^\s*{truth['pid']}\s+irq:softirq_entry:\s+vec=3\b", s, re.M))
    return truth, res


class Ctx:
    def __init__(self, a):
        self.bin, self.bpfrec, self.bpfan = os.path.abspath(a.bin), a.bpfrec, a.bpfan


def rows():
    generic_irq = [x for e in IRQ for x in ("-e", e)]
    generic_sched = [x for e in SCHED for x in ("-e", e)]
    return [
        ("w5", "bpfrec -e irq:* (generic)", lambda c, w, o: bpfrec_run(c, ["--families", "none"] + generic_irq, w, o)),
        ("w5", "bpfrec --families irq (dedicated)", lambda c, w, o: bpfrec_run(c, ["--families", "irq"], w, o)),
        ("w5", "trace-cmd -e irq:*", lambda c, w, o: tracecmd_run(c, IRQ, w, o)),
        ("w5", "perf record -e irq:*", lambda c, w, o: perf_run(c, IRQ, w, o)),
        ("w2", "bpfrec -e sched:* (generic)", lambda c, w, o: bpfrec_run(c, ["--families", "none"] + generic_sched, w, o)),
        ("w2", "bpfrec --families sched (dedicated)", lambda c, w, o: bpfrec_run(c, ["--families", "sched"], w, o)),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--bpfrec", required=True)
    ap.add_argument("--bpfan", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="/dev/shm/bpfrec-generic-bench")
    ap.add_argument("--datagrams", type=int, default=200000)
    ap.add_argument("--report")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root")
    if not os.path.exists("/sys/kernel/tracing/events"):
        bench.sh(["mount", "-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
    os.makedirs(a.out, exist_ok=True)
    # Another tracer attached during the run loads the untraced runs too: say so in the report.
    # pgrep -x takes one name of at most 15 characters, not an alternation: ask for each.
    others = "\n".join(bench.sh(["pgrep", "-a", "-x", n]).stdout.strip() for n in
                        ["perf", "trace-cmd", "bpfrec", "bpftrace", "floor", "sigsnoop", "softirqs", "hardirqs"]).strip()
    note = f"WARNING: other tracers were running: {others.replace(chr(10), '; ')}\n" if others else ""
    if note:
        bench.log(note.strip())
    ctx = Ctx(a)
    wl = {"w5": [os.path.join(ctx.bin, "w5"), str(a.datagrams)], "w2": [os.path.join(ctx.bin, "w2"), "200000"]}
    ratios, kept = {}, {}
    for i in range(a.runs):
        for w, name, rec in rows():
            base = bench.truth_line(bench.sh(wl[w]).stdout)
            out = os.path.join(a.out, f"{w}.{i}.{re.sub(r'[^a-z]+', '_', name)}")
            try:
                truth, res = rec(ctx, wl[w], out)
            except RuntimeError as e:
                bench.log(f"{w} {name}: {e}")
                continue
            ratio = int(truth["loop_ns"]) / int(base["loop_ns"])
            ratios.setdefault((w, name), []).append(ratio)
            res["bytes"] = os.path.getsize(out) if os.path.exists(out) else 0
            res["truth"] = truth
            kept[(w, name)] = res
            bench.log(f"{w} {name} #{i}: {ratio:.2f}x, events {res['events']}, lost {res['lost']}, net_rx {res.get('net_rx')}")
            if os.path.exists(out):
                os.unlink(out)
    lines = ["| workload | recorder | slowdown (median of %d) | events | bytes/event | loss | workload's NET_RX entries captured |" % a.runs,
             "|---|---|---|---|---|---|---|"]
    for w, name, _ in rows():
        r, k = ratios.get((w, name)), kept.get((w, name))
        if not r or not k:
            lines.append(f"| {w} | {name} | failed | | | | |")
            continue
        bpe = k["bytes"] / k["events"] if k["events"] else float("nan")
        netrx = f"{k['net_rx']} / {k['truth']['datagrams']}" if "net_rx" in k else "—"
        lines.append(f"| {w} | {name} | {statistics.median(r):.2f}× | {k['events']} | {bpe:.2f} | {k['lost']} | {netrx} |")
    text = note + "\n".join(lines) + "\n"
    print(text)
    if a.report:
        open(a.report, "w").write(text)


if __name__ == "__main__":
    main()
