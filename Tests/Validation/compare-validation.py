#!/usr/bin/env python3
"""The 20-pair validation of `bpfan compare` (issue 13, "Proof"); not part of make test.

Records, as root, pairs of a paced workload (compare-workload.c, built here with cc) with
`bpfrec record -o X.trc -- ./compare-workload MODE ...`, then runs `bpfan compare --format json`
on each pair and reads the verdicts (schemas/output.schema.json rows named suite / latency /
rate) instead of the text.

- A/A: per workload (syscalls, blockio, pingpong) N pairs of the same command; a pair is a false
  alarm when any key is `regressed`. Reported per workload and overall, with the keys that
  tripped.
- Detection: per injected change N pairs, base without and new with the change; a pair counts
  as detected when the right key and metric (CHANGES below) is `regressed`.

With `--runs K` (K > 1) every side of a pair is K recordings of the command, recorded in turn
(base run 1, new run 1, base run 2, ...: load drift falls on both sides alike) and compared as
`bpfan compare --base B1 ... --base BK --new N1 ... --new NK`, whose tests are between runs
(per-run quantiles and rates): the noise is the variation between runs. `--analyse-only --runs J`
on recordings of K >= J runs compares their first J runs of each side (J = 1: the two-positional
form on the first run of each).

Each comparison is judged three ways:
- `default`: the default suite (`bpfan compare BASE NEW`), every key it reports;
- `workload`: the tools whose events bpfrec filters by the recorded command (syscount -L;
  runqlat -P and cpudist -P with --by-comm), and only the keys of the workload itself (its
  syscalls, its comm): block completions, interrupts and the tasks the workload's context
  switches touch are system-wide or other processes', and another process's noise is no
  regression of the workload.

The base of a detection pair is the A/A base recording of the same index (sleep, more: syscalls;
fsync: blockio); the spinner pins both sides to one CPU, so its base is a pinned pingpong
recording of its own. Each index records its recordings one after another, so machine load
drifts over both sides alike.

    sudo Tests/Validation/compare-validation.py --pairs 3 --seconds 2      # a few minutes
    sudo Tests/Validation/compare-validation.py                            # 20 pairs of 5 s
    sudo Tests/Validation/compare-validation.py --runs 3 --pairs 10        # 3 runs per side
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The kernel keeps 15 bytes of the executable's name as the comm.
COMM = "compare-workload"[:15]
# runqlat -P names a pid by the comm its first switch-in had: a command bpfrec launches is
# first switched in before its exec, as "bpfrec" (cpudist -P shows compare-workloa).
LAUNCHER = "bpfrec"

WORKLOADS = ["syscalls", "blockio", "pingpong"]


# Rows' keys are TOOL:KEY in both judgements (the default suite names them so; the workload
# judgement's single-tool rows are given the prefix).
def right_sleep(row):
    return row["key"] == "syscount:clock_nanosleep"


def right_fsync(row):
    return row["key"] in ("syscount:fsync", "syscount:fdatasync") or \
        (row["key"].startswith("biolatency:") and row["measure"] == "latency")


def right_more(row):
    return row["key"] == "syscount:getppid" and row["measure"] == "rate"


def right_spinner(row):
    return row["measure"] == "latency" and row["key"] in ("runqlat:all", "runqlat:" + COMM, "runqlat:" + LAUNCHER)


# name: (workload the base is, the new side's extra arguments, base's extra arguments, what the
# right key and metric are, the predicate on a regressed row)
CHANGES = {
    "sleep": ("syscalls", ["--sleep-frac", "0.1", "--sleep-us", "1000"], [],
              "syscount clock_nanosleep, rate or latency", right_sleep),
    "fsync": ("blockio", ["--fsync"], [],
              "syscount fsync/fdatasync rate or latency, or biolatency latency", right_fsync),
    "more": ("syscalls", ["--more", "getppid:1.2"], [],
             "syscount getppid rate", right_more),
    "spinner": ("pingpong", ["--spinner"], None,  # None: a pinned base of its own
                "runqlat latency (runqlat:all; runqlat -P's workload comm)", right_spinner),
}

# Changes whose right metric is a latency: the rate judgement cannot name them.
LATENCY_ONLY = {"spinner"}

# The tools whose events are filtered to the recorded command, and which of their keys are the
# workload's own (None: every key).
WORKLOAD_TOOLS = [
    ("syscount", ["syscount", "-L"], None),
    ("runqlat", ["runqlat", "-P", "--by-comm"], (COMM, LAUNCHER)),
    # cpudist -P names the workload by its comm; its "bpfrec" key is the recorder and other
    # bpfrec processes the workload's context switches touch.
    ("cpudist", ["cpudist", "-P", "--by-comm"], (COMM,)),
]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Runner:
    def __init__(self, args):
        self.a = args
        self.dir = args.dir
        self.workload = os.path.join(self.dir, "compare-workload")
        self.loads = []
        self.overran = []  # (recording, ticks, overran)
        self.compare_args = shlex.split(args.compare_args)

    def build(self):
        os.makedirs(self.dir, exist_ok=True)
        src = os.path.join(HERE, "compare-workload.c")
        # Frame pointers so that stacks through the workload walk, as the project's C is built.
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-fno-omit-frame-pointer",
                        "-o", self.workload, src], check=True)

    def record(self, name, argv):
        out = os.path.join(self.dir, name + ".trc")
        if self.a.analyse_only:
            if not os.path.exists(out):
                raise SystemExit(f"compare-validation: --analyse-only: {out} is missing (record with --keep first)")
            return out
        self.loads.append(loadavg())
        cmd = [self.a.bpfrec, "record", "-o", out, "--", self.workload] + argv + \
              ["--seconds", str(self.a.seconds), "--dir", self.dir]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"compare-validation: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-400:]}")
        for line in p.stderr.splitlines():
            if line.startswith("compare-workload:") and "overran" in line:
                words = line.split()
                self.overran.append((name, int(words[2]), int(words[4])))
            if "lost" in line and "lost 0" not in line and line.startswith("bpfrec:"):
                log(f"  {name}: {line.strip()[-120:]}")
        return out

    def run_names(self, name):
        """The recordings of one side of a pair: NAME-rK for each run; with --runs 1 the old
        single name (or, analysing recordings of several runs, the first of them)."""
        if self.a.runs == 1:
            first = name + "-r0"
            return [first] if self.a.analyse_only and os.path.exists(os.path.join(self.dir, first + ".trc")) else [name]
        return [f"{name}-r{k}" for k in range(self.a.runs)]

    def compare(self, base, new, tool=None):
        if len(base) == 1 and len(new) == 1:
            sides = [base[0], new[0]]
        else:
            sides = [x for b in base for x in ("--base", b)] + [x for n in new for x in ("--new", n)]
        cmd = [self.a.bpfan, "compare"] + sides + (tool or []) + self.compare_args + ["--format", "json"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode not in (0, 1, 3):
            raise SystemExit(f"compare-validation: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
        rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        return p.returncode, [r for r in rows if r.get("type") == "row" and r.get("name") in ("suite", "latency", "rate")]

    def judge(self, base, new):
        """{suite: (exit status, regressed rows)} for one pair."""
        out = {}
        code, rows = self.compare(base, new)
        out["default"] = (code, [r for r in rows if r.get("verdict") == "regressed"])
        codes, regressed = [], []
        for tool, flags, own in WORKLOAD_TOOLS:
            code, rows = self.compare(base, new, flags)
            codes.append(code)
            for r in rows:
                if r.get("verdict") == "regressed" and (own is None or r["key"] in own):
                    # A single tool's rows are named by their measure (latency, rate).
                    r["measure"] = r["name"]
                    r["key"] = f"{tool}:{r['key']}"
                    regressed.append(r)
        out["workload"] = (max(codes), regressed)
        # The same comparisons' rate tests alone (syscount's, the only tool here that tests rates
        # by default): the gate a CI job has when it does not gate on latencies.
        out["rates"] = (max(codes), [r for r in regressed if r["measure"] == "rate"])
        return out


def label(row):
    """TOOL:KEY and the metric the verdict rests on (rate, or the latency's quantile)."""
    on = (row.get("on") or "").split()
    return f"{row['key']} {on[0] if row['measure'] == 'latency' and on else row['measure']}"


SUITES = (("default", "default suite, every key"),
          ("workload", "pid-filtered tools (syscount -L, runqlat -P --by-comm, cpudist -P --by-comm), the workload's keys"),
          ("rates", "syscount -L's rate verdicts alone (of the same runs as the row above)"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=20, help="pairs per workload and per change (20)")
    ap.add_argument("--seconds", type=float, default=5, help="the workload's duration per recording (5)")
    ap.add_argument("--runs", type=int, default=1,
                    help="recordings per side of each pair (1); with --analyse-only, how many of the recorded runs to use")
    ap.add_argument("--cpu", type=int, default=1, help="the CPU the spinner pair is pinned to (1)")
    ap.add_argument("--dir", default="/var/tmp/compare-validation", help="recordings and the workload's files")
    ap.add_argument("--report", default=None, help="markdown report (default DIR/report.md)")
    ap.add_argument("--until", default=None, help="HH:MM UTC: start no new pair index after it")
    ap.add_argument("--keep", action="store_true", help="keep the recordings (for --analyse-only)")
    ap.add_argument("--analyse-only", action="store_true",
                    help="record nothing: compare the recordings a --keep run left in --dir")
    ap.add_argument("--record-only", action="store_true",
                    help="with --keep: record, compare nothing (then --analyse-only, once per --compare-args)")
    ap.add_argument("--compare-args", default="",
                    help="more options for every bpfan compare, e.g. '--to 5' (the compared span)")
    ap.add_argument("--only", default="aa,detect", help="aa, detect or both (aa,detect)")
    build = os.path.join(ROOT, ".build")
    ap.add_argument("--bpfrec", default=shutil.which("bpfrec") or os.path.join(build, "debug", "bpfrec"))
    ap.add_argument("--bpfan", default=shutil.which("bpfan") or os.path.join(build, "debug", "bpfan"))
    a = ap.parse_args()
    if a.pairs < 1 or a.seconds <= 0 or a.runs < 1:
        ap.error("--pairs, --seconds and --runs must be positive")
    if os.geteuid() != 0 and not a.analyse_only:
        raise SystemExit("compare-validation: recording needs root (run with sudo)")
    for b in (a.bpfrec, a.bpfan):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"compare-validation: {b}: not executable (swift build first, or --bpfrec/--bpfan)")
    only = set(a.only.split(","))
    if not only <= {"aa", "detect"}:
        ap.error(f"--only: unknown part in '{a.only}'")
    a.report = a.report or os.path.join(a.dir, "report.md")
    until = None
    if a.until:
        try:
            h, m = map(int, a.until.split(":"))
        except ValueError:
            ap.error(f"--until: '{a.until}' is not HH:MM")
        now = datetime.now(timezone.utc)
        until = now.replace(hour=h, minute=m, second=0, microsecond=0)

    r = Runner(a)
    if not a.analyse_only:
        r.build()
    started = datetime.now(timezone.utc)
    t0 = time.time()
    aa = {w: [] for w in WORKLOADS}          # per pair: {suite: (code, regressed rows)}
    det = {c: [] for c in CHANGES}
    done = 0
    for i in range(a.pairs):
        if a.analyse_only and not all(os.path.exists(os.path.join(a.dir, r.run_names(f"{w}-a{i}")[-1] + ".trc")) for w in WORKLOADS):
            log(f"compare-validation: --analyse-only: {done} pair indices recorded in {a.dir}")
            break
        if until and datetime.now(timezone.utc) >= until:
            log(f"compare-validation: --until {a.until} reached after {done} pair indices")
            break

        def sides(base_name, base_argv, new_name, new_argv):
            """Both sides' runs, recorded in turn (base 1, new 1, base 2, ...)."""
            b, n = [], []
            for bn, nn in zip(r.run_names(base_name), r.run_names(new_name)):
                b.append(r.record(bn, base_argv))
                n.append(r.record(nn, new_argv))
            return b, n

        base = {}
        for w in WORKLOADS:
            if "aa" in only:
                base[w], b2 = sides(f"{w}-a{i}", [w], f"{w}-b{i}", [w])
                if not a.record_only:
                    aa[w].append(r.judge(base[w], b2))
            else:
                base[w] = [r.record(x, [w]) for x in r.run_names(f"{w}-a{i}")]
        if "detect" in only:
            for c, (w, extra, base_extra, _, _) in CHANGES.items():
                if base_extra is not None:
                    b = base[w]
                    n = [r.record(x, [w] + extra) for x in r.run_names(f"{c}-new{i}")]
                else:
                    pin = ["--cpu", str(a.cpu)]
                    b, n = sides(f"{c}-base{i}", [w] + pin, f"{c}-new{i}", [w] + pin + extra)
                if not a.record_only:
                    det[c].append(r.judge(b, n))
        done += 1
        log(f"compare-validation: pair index {i + 1}/{a.pairs} done, {time.time() - t0:.0f} s, load {loadavg():.2f}")
        if not a.keep and not a.analyse_only and not a.record_only:
            for f in os.listdir(a.dir):
                if f.endswith(".trc"):
                    os.remove(os.path.join(a.dir, f))

    meta = os.path.join(a.dir, "recordings.json")
    if a.analyse_only and os.path.exists(meta):
        with open(meta) as f:
            m = json.load(f)
        r.loads, r.overran = m["loads"], [tuple(o) for o in m["overran"]]
    elif a.keep or a.record_only:
        with open(meta, "w") as f:
            json.dump({"loads": r.loads, "overran": r.overran, "started": f"{started:%Y-%m-%d %H:%M}", "runs": a.runs}, f)
    lines = report(a, r, aa, det, done, started, time.time() - t0, only)
    text = "\n".join(lines) + "\n"
    with open(a.report, "w") as f:
        f.write(text)
    print(text)
    log(f"compare-validation: report written to {a.report}")


def report(a, r, aa, det, done, started, elapsed, only):
    L = []
    loads = r.loads or [0]
    over = sum(o for _, _, o in r.overran), sum(t for _, t, _ in r.overran)
    L.append(f"### bpfan compare validation, {started:%Y-%m-%d %H:%M} UTC")
    L.append("")
    per_side = f"{a.runs} recordings per side (tests between runs)" if a.runs > 1 else "one recording per side"
    L.append(f"`{' '.join(['compare-validation.py'] + sys.argv[1:])}`: {done} pair indices of {a.seconds:g} s recordings, {per_side}, "
             f"{elapsed / 60:.1f} min; load average (1 min) at the recordings' starts "
             f"{min(loads):.2f}–{max(loads):.2f}, mean {sum(loads) / len(loads):.2f} on {os.cpu_count()} CPUs; "
             f"{over[0]} of {over[1]} workload ticks overran their 10 ms.")
    L.append("")
    for suite, what in SUITES:
        if "aa" in only:
            L.append(f"**A/A false alarms — {what}** (target ≤ 5%)")
            L.append("")
            L.append("| workload | pairs | pairs with a regressed verdict | share | keys that tripped (pairs) |")
            L.append("|---|---|---|---|---|")
            total = alarms = 0
            for w, pairs in aa.items():
                n = len(pairs)
                hit = [p[suite][1] for p in pairs if p[suite][1]]
                keys = {}
                for rows in hit:
                    for k in {label(x) for x in rows}:
                        keys[k] = keys.get(k, 0) + 1
                total += n
                alarms += len(hit)
                ks = ", ".join(f"{k} ({c})" for k, c in sorted(keys.items(), key=lambda kv: -kv[1])) or "—"
                L.append(f"| {w} | {n} | {len(hit)} | {pct(len(hit), n)} | {ks} |")
            L.append(f"| **all** | {total} | {alarms} | {pct(alarms, total)} | |")
            L.append("")
        if "detect" in only:
            L.append(f"**Detection — {what}** (target ≥ 95%, named as the right key and metric)")
            L.append("")
            L.append("| change | right key and metric | pairs | detected | rate | the right rows' changes (median) | other keys regressed (pairs) |")
            L.append("|---|---|---|---|---|---|---|")
            for c, pairs in det.items():
                _, _, _, right_text, right = CHANGES[c]
                n = len(pairs)
                if suite == "rates" and c in LATENCY_ONLY:
                    L.append(f"| {c} | {right_text} | {n} | n/a | n/a: no rate names it | | |")
                    continue
                ok, sizes, others = 0, [], 0
                for p in pairs:
                    rows = p[suite][1]
                    good = [x for x in rows if right(x)]
                    if good:
                        ok += 1
                        rels = [x["relative"] for x in good if x.get("relative") is not None]
                        if rels:
                            sizes.append(max(rels))
                    if any(not right(x) for x in rows):
                        others += 1
                sizes.sort()
                med = f"{sizes[len(sizes) // 2] * 100:+.0f}%" if sizes and sizes[len(sizes) // 2] != float("inf") else ("new key" if sizes else "—")
                L.append(f"| {c} | {right_text} | {n} | {ok} | {pct(ok, n)} | {med} | {others} |")
            L.append("")
        if "aa" in only and "detect" in only:
            L += min_change_table(aa, det, suite)
    return L


def largest(rows, keep=lambda r: True):
    """The largest relative change among `rows` that `keep` accepts (0 when none): raising
    --min-change above it would make none of them regressed (a verdict rests on the largest
    called change, and --min-change only bounds that change from below)."""
    rels = [r["relative"] if r.get("relative") is not None else float("inf") for r in rows if keep(r)]
    return max(rels, default=0.0)


def min_change_table(aa, det, suite):
    """What --min-change would bring the A/A false alarms to at most 5%, and the detection at it."""
    ms = sorted((largest(p[suite][1]) for pairs in aa.values() for p in pairs), reverse=True)
    if not ms:
        return []
    allowed = int(0.05 * len(ms))
    x = ms[allowed] if allowed < len(ms) else 0.0
    if x < 0.05:
        return [f"The default --min-change (5%) already keeps these A/A false alarms at or below 5%.", ""]
    if x == float("inf"):
        return [f"No --min-change brings these A/A false alarms to 5%: keys only one side has trip them.", ""]
    L = [f"At `--min-change` above {x * 100:.0f}% (number {allowed + 1}, from the top, of the {len(ms)} A/A "
         f"pairs' largest regressed changes) at most {allowed} A/A pairs ({pct(allowed, len(ms))}) would trip; detection then "
         f"(computed from the same verdicts, exact since raising --min-change only removes called changes):", "",
         "| change | detected at that --min-change | rate |", "|---|---|---|"]
    for c, pairs in det.items():
        if suite == "rates" and c in LATENCY_ONLY:
            continue
        right = CHANGES[c][4]
        ok = sum(1 for p in pairs if largest(p[suite][1], right) > x)
        L.append(f"| {c} | {ok} of {len(pairs)} | {pct(ok, len(pairs))} |")
    L.append("")
    return L


def pct(k, n):
    return f"{100 * k / n:.0f}%" if n else "—"


if __name__ == "__main__":
    main()
