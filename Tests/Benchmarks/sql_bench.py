#!/usr/bin/env python3
"""`bpfan sql` speed: rows/s and peak RSS of a few queries through the virtual tables, over the
bundled sample and over a recording synthesised from it (the sample's syscall and sched_switch
chunks repeated, each copy shifted in time: bench.py's synthesise_shifted), so that the figures
measure scanning, not start-up. Not a timed unit test: run it by hand, or from `make bench`.

    python3 Tests/Benchmarks/sql_bench.py [--bpfan .build/release/bpfan] [--rows 20000000]
        [--w1 BENCH_BUILD/w1 --bpfrec .build/release/bpfrec]   (root: also the W1 recording)
        [--clickhouse http://127.0.0.1:8123/ [--clickhouse-rows 2000000]]
        [--export-rows 2000000] [--export-only]   (`bpfan export --format csv|jsonl`)

Prints one markdown table. RSS independent of the recording's size shows as equal peak RSS for
the sample and the synthesised recording on the streaming queries (count, GROUP BY).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import synthesise_shifted  # noqa: E402

QUERIES = [
    ("count(*)", "SELECT count(*) FROM syscall", "syscall"),
    ("GROUP BY comm", "SELECT prev_comm, count(*) FROM sched_switch GROUP BY prev_comm ORDER BY 2 DESC LIMIT 5", "sched_switch"),
    ("filtered aggregate (ts range, half)", "SELECT count(*), sum(duration) FROM syscall WHERE ts < {mid}", "syscall"),
    ("filtered GROUP BY (ts range, half)", "SELECT id, count(*), sum(duration) FROM syscall WHERE ts < {mid} GROUP BY id", "syscall"),
    ("filtered aggregate (pid =)", "SELECT count(*), sum(duration) FROM syscall WHERE pid = {pid}", "syscall"),
    ("p99 duration (percentile())", "SELECT percentile(duration, 99) FROM syscall", "syscall"),
    ("p99 duration (ORDER BY … OFFSET)", "SELECT duration FROM syscall ORDER BY duration LIMIT 1 OFFSET (SELECT count(*) * 99 / 100 FROM syscall)", "syscall"),
]


def run_timed(bpfan, args):
    """(seconds, peak RSS MiB, stdout), RSS from the child's rusage."""
    start = time.monotonic()
    p = subprocess.Popen([bpfan] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"bpfan {' '.join(args)}: status {status}: {err.decode()}")
    return secs, usage.ru_maxrss / 1024, out.decode()


def scalar(bpfan, rec, sql):
    return run_timed(bpfan, ["sql", "--format", "csv", rec, sql])[2].split("\r\n")[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap.add_argument("--bpfan", default=os.path.join(root, ".build/release/bpfan"))
    ap.add_argument("--sample", default=os.path.join(root, "samples/mixed.trc"))
    ap.add_argument("--rows", type=int, default=20_000_000, help="rows of the synthesised recording")
    ap.add_argument("--duckdb-rows", type=int, default=2_000_000, help="rows of the recording compared with DuckDB on its CSV export (0: skip)")
    ap.add_argument("--clickhouse", help="also time `bpfan export --clickhouse URL` of the sample and of a synthesised recording")
    ap.add_argument("--clickhouse-rows", type=int, default=2_000_000, help="rows of the recording exported to ClickHouse")
    ap.add_argument("--clickhouse-only", action="store_true", help="only the ClickHouse export")
    ap.add_argument("--export-rows", type=int, default=2_000_000, help="rows of the recording timed with `bpfan export --format csv|jsonl` (0: skip)")
    ap.add_argument("--export-only", action="store_true", help="only the csv/jsonl export")
    ap.add_argument("--w1", help="the W1 workload binary (make bench-tools): record it with bpfrec (root) and time the queries on that recording too")
    ap.add_argument("--bpfrec", default=os.path.join(root, ".build/release/bpfrec"))
    ap.add_argument("--w1-calls", type=int, default=2_000_000, help="W1's getppid calls (2000000, as bench.py)")
    ap.add_argument("--skip", action="append", default=[], help="leave out the queries whose label contains this (e.g. OFFSET on 100 M rows)")
    args = ap.parse_args()
    if args.export_only:
        with tempfile.TemporaryDirectory() as tmp:
            export_files(args, tmp)
        return 0
    if args.clickhouse_only:
        with tempfile.TemporaryDirectory() as tmp:
            export_clickhouse(args, tmp)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.trc")
        rows, copies = synthesise_shifted(args.sample, big, {"syscall", "sched_switch"}, args.rows)
        print(f"synthesised {rows:,} rows ({copies} shifted copies of the sample's syscall and sched_switch chunks), "
              f"{os.path.getsize(big) / 2**20:.0f} MiB\n")
        recordings = [("sample", args.sample), ("synthesised", big)]
        if args.w1:
            w1 = os.path.join(tmp, "w1.trc")
            subprocess.run([args.bpfrec, "record", "-o", w1, "--families", "syscalls,sched,proc", "--", args.w1, str(args.w1_calls)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"W1: `bpfrec record --families syscalls,sched,proc -- w1 {args.w1_calls}`, {os.path.getsize(w1) / 2**20:.0f} MiB\n")
            recordings.append(("W1", w1))
        print("| recording | query | table rows | s | rows/s | peak RSS MiB |")
        print("|---|---|---:|---:|---:|---:|")
        for name, rec in recordings:
            counts = {t: int(scalar(args.bpfan, rec, f"SELECT count(*) FROM {t}")) for t in ("syscall", "sched_switch")}
            lo = int(scalar(args.bpfan, rec, "SELECT min(ts) FROM syscall"))
            hi = int(scalar(args.bpfan, rec, "SELECT max(ts) FROM syscall"))
            pid = scalar(args.bpfan, rec, "SELECT pid FROM syscall GROUP BY pid ORDER BY count(*) DESC LIMIT 1")
            for label, sql, table in QUERIES:
                if any(k in label for k in args.skip): continue
                q = sql.format(mid=(lo + hi) // 2, pid=pid)
                secs, rss, _ = run_timed(args.bpfan, ["sql", "--format", "csv", rec, q])
                n = counts[table]
                print(f"| {name} | {label} | {n:,} | {secs:.2f} | {n / secs / 1e6:.1f} M | {rss:.0f} |")
        if args.export_rows:
            export_files(args, tmp)
        if args.duckdb_rows:
            compare_duckdb(args, tmp)
        if args.clickhouse:
            export_clickhouse(args, tmp)
    return 0


def export_files(args, tmp):
    """`bpfan export --format csv|jsonl` of a synthesised recording: rows (tables and derived
    views) per second of wall time, and the CPU it used (the child's rusage)."""
    rec = os.path.join(tmp, "export.trc")
    rows, _ = synthesise_shifted(args.sample, rec, {"syscall", "sched_switch"}, args.export_rows)
    print(f"\n`bpfan export --format csv|jsonl` of a synthesised {rows:,}-row recording (rows: every table and derived view):\n")
    print("| format | rows exported | MiB | wall s | user s | sys s | rows/s | rows per CPU-s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt in ("csv", "jsonl"):
        out = os.path.join(tmp, f"export-{fmt}")
        start = time.monotonic()
        p = subprocess.Popen([args.bpfan, "export", "--format", fmt, rec, "-o", out], stderr=subprocess.PIPE)
        err = p.stderr.read().decode()
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.monotonic() - start
        if status != 0:
            raise SystemExit(f"bpfan export --format {fmt}: status {status}: {err}")
        line = [l for l in err.splitlines() if " rows to " in l][-1]
        exported = int(line.split(" tables and views, ")[1].split(" rows")[0])
        size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)) / 2**20
        cpu = usage.ru_utime + usage.ru_stime
        print(f"| {fmt} | {exported:,} | {size:.0f} | {secs:.2f} | {usage.ru_utime:.2f} | {usage.ru_stime:.2f} | "
              f"{exported / secs / 1e6:.2f} M | {exported / cpu / 1e6:.2f} M | {usage.ru_maxrss / 1024:.0f} |")
        shutil.rmtree(out)


def export_clickhouse(args, tmp):
    """`bpfan export --clickhouse` of the sample and of a synthesised recording into a fresh
    database each: rows (tables and derived views) per second of wall time, as it reports."""
    rec = os.path.join(tmp, "ch.trc")
    rows, _ = synthesise_shifted(args.sample, rec, {"syscall", "sched_switch"}, args.clickhouse_rows)
    print(f"\n`bpfan export --clickhouse` to {args.clickhouse} (rows: every table and derived view):\n")
    print("| recording | recorded rows | rows exported | s | rows/s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, path, n in (("sample", args.sample, None), ("synthesised", rec, rows)):
        db = f"bench_{os.getpid()}_{name}"
        start = time.monotonic()
        p = subprocess.Popen([args.bpfan, "export", "--clickhouse", args.clickhouse, "--database", db, path], stderr=subprocess.PIPE)
        err = p.stderr.read().decode()
        _, status, usage = os.wait4(p.pid, 0)
        secs, rss = time.monotonic() - start, usage.ru_maxrss / 1024
        if status != 0:
            raise SystemExit(f"bpfan export --clickhouse: status {status}: {err}")
        line = [l for l in err.splitlines() if " rows to " in l][-1]
        exported = int(line.split("bpfan export: ")[1].split(" rows")[0])
        if n is None:
            n = sum(int(scalar(args.bpfan, path, f"SELECT count(*) FROM {t}")) for t in ("syscall", "sched_switch"))
            name += " (its syscall + sched_switch rows)"
        print(f"| {name} | {n:,} | {exported:,} | {secs:.2f} | {exported / secs / 1e6:.2f} M | {rss:.0f} |")


def compare_duckdb(args, tmp):
    """The same queries over the same syscall rows: bpfan on the recording, DuckDB (PyPI) on
    the rows exported as CSV by `bpfan sql --format csv` (its time included once)."""
    try:
        import duckdb
    except ImportError:
        print("\nDuckDB is not installed (pip install duckdb): no comparison")
        return
    rec = os.path.join(tmp, "mid.trc")
    rows, _ = synthesise_shifted(args.sample, rec, {"syscall"}, args.duckdb_rows)
    csv = os.path.join(tmp, "syscall.csv")
    start = time.monotonic()
    with open(csv, "wb") as f:
        subprocess.run([args.bpfan, "sql", "--format", "csv", rec, "SELECT ts, pid, tid, id, ret, duration FROM syscall"], stdout=f, check=True)
    export = time.monotonic() - start
    print(f"\nDuckDB {duckdb.__version__} on the CSV export of a {rows:,}-row syscall table "
          f"(exported by bpfan sql in {export:.1f} s, {rows / export / 1e6:.2f} M rows/s, {os.path.getsize(csv) / 2**20:.0f} MiB):\n")
    print("| query | bpfan sql on .trc s | DuckDB on CSV s |")
    print("|---|---:|---:|")
    con = duckdb.connect()
    src = f"read_csv('{csv}', header = true)"
    for label, ours, theirs in [
        ("count(*)", "SELECT count(*) FROM syscall", f"SELECT count(*) FROM {src}"),
        ("GROUP BY id", "SELECT id, count(*), sum(duration) FROM syscall GROUP BY id", f"SELECT id, count(*), sum(duration) FROM {src} GROUP BY id"),
        ("p99 duration", "SELECT percentile(duration, 99) FROM syscall", f"SELECT quantile_cont(duration, 0.99) FROM {src}"),
    ]:
        ours_s = run_timed(args.bpfan, ["sql", "--format", "csv", rec, ours])[0]
        start = time.monotonic()
        con.execute(theirs).fetchall()
        theirs_s = time.monotonic() - start
        print(f"| {label} | {ours_s:.2f} | {theirs_s:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
