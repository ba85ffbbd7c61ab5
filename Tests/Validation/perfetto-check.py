#!/usr/bin/env python3
"""Decodes a Perfetto trace written by `bpfan export --format perfetto` against Perfetto's own
Trace schema (the perfetto PyPI package's compiled protos) and checks what the trace processor
needs of it: no field the schema does not know, every interned id and track uuid defined, slices
balanced per track. Prints a JSON summary of what it holds (samples with their callstacks named,
slices per thread) for the test to compare with bpfan's own tools. Exit 77: perfetto or
protobuf is not installed; 1: the trace breaks the schema (the reason on stderr)."""
import json
import sys
from collections import defaultdict

try:
    from google.protobuf import unknown_fields
    from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
except ImportError as e:
    print(f"perfetto-check: {e} (pip install perfetto)", file=sys.stderr)
    sys.exit(77)

errors = []


def no_unknown(msg, where):
    if len(unknown_fields.UnknownFieldSet(msg)) > 0:
        errors.append(f"{where}: fields unknown to {msg.DESCRIPTOR.full_name}")
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        for i, m in enumerate(value if field.is_repeated else [value]):
            no_unknown(m, f"{where}.{field.name}[{i}]")


trace = pb.Trace()
trace.ParseFromString(open(sys.argv[1], "rb").read())
names, mappings, paths, frames, callstacks = {}, {}, {}, {}, {}
tracks = {}
samples = []
open_slices = {}
slices = defaultdict(list)
clocks = set()
for i, p in enumerate(trace.packet):
    no_unknown(p, f"packet[{i}]")
    if p.HasField("clock_snapshot"):
        clocks |= {c.clock_id for c in p.clock_snapshot.clocks}
    if p.HasField("interned_data"):
        d = p.interned_data
        if not (p.sequence_flags & pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED):
            errors.append(f"packet[{i}]: interned data without SEQ_INCREMENTAL_STATE_CLEARED")
        names.update({s.iid: s.str.decode() for s in d.function_names})
        paths.update({s.iid: s.str.decode() for s in d.mapping_paths})
        mappings.update({m.iid: m for m in d.mappings})
        frames.update({f.iid: f for f in d.frames})
        callstacks.update({c.iid: list(c.frame_ids) for c in d.callstacks})
    if p.HasField("track_descriptor"):
        t = p.track_descriptor
        tracks[t.uuid] = t
    if p.HasField("perf_sample") or p.HasField("track_event"):
        if p.timestamp_clock_id not in clocks:
            errors.append(f"packet[{i}]: timestamp on clock {p.timestamp_clock_id}, which no clock snapshot names")
    if p.HasField("perf_sample"):
        s = p.perf_sample
        if not (p.sequence_flags & pb.TracePacket.SEQ_NEEDS_INCREMENTAL_STATE):
            errors.append(f"packet[{i}]: interned callstack without SEQ_NEEDS_INCREMENTAL_STATE")
        stack = callstacks.get(s.callstack_iid)
        if stack is None:
            errors.append(f"packet[{i}]: callstack {s.callstack_iid} not interned")
            continue
        named = []
        for fid in stack:
            f = frames.get(fid)
            if f is None or f.function_name_id not in names or f.mapping_id not in mappings:
                errors.append(f"packet[{i}]: frame {fid} or its name/mapping not interned")
                continue
            if any(pid not in paths for pid in mappings[f.mapping_id].path_string_ids):
                errors.append(f"packet[{i}]: mapping {f.mapping_id}'s path not interned")
            named.append(names[f.function_name_id])
        samples.append({"ts": p.timestamp, "cpu": s.cpu, "pid": s.pid, "tid": s.tid, "frames": named})
    if p.HasField("track_event"):
        e = p.track_event
        if e.track_uuid not in tracks:
            errors.append(f"packet[{i}]: track {e.track_uuid} has no descriptor")
            continue
        tid = tracks[e.track_uuid].thread.tid
        if e.type == pb.TrackEvent.TYPE_SLICE_BEGIN:
            if e.track_uuid in open_slices:
                errors.append(f"packet[{i}]: slice begins on track {e.track_uuid} inside another")
            args = {a.name: a.string_value for a in e.debug_annotations}
            open_slices[e.track_uuid] = (p.timestamp, e.name, args)
        elif e.type == pb.TrackEvent.TYPE_SLICE_END:
            begin = open_slices.pop(e.track_uuid, None)
            if begin is None or begin[0] > p.timestamp:
                errors.append(f"packet[{i}]: slice end without its begin on track {e.track_uuid}")
                continue
            slices[tid].append({"dur": p.timestamp - begin[0], "name": begin[1], "kernel": begin[2].get("kernel_stack")})
if open_slices:
    errors.append(f"{len(open_slices)} slices never end")
for t in tracks.values():
    if t.HasField("thread") and t.parent_uuid not in tracks:
        errors.append(f"thread track {t.uuid}: parent {t.parent_uuid} has no descriptor")
if errors:
    print("\n".join(errors[:20]), file=sys.stderr)
    sys.exit(1)

# Perfetto's trace processor, when its binary can be had (it is downloaded on first use).
# Its downloader and the binary write to stdout: keep that for the summary.
import os
saved = os.dup(1)
os.dup2(2, 1)
processor = None
try:
    from perfetto.trace_processor import TraceProcessor
    tp = TraceProcessor(trace=sys.argv[1])
    processor = {"perf_samples": tp.query("select count(*) as n from perf_sample").as_pandas_dataframe()["n"][0].item(),
                 "slices": tp.query("select count(*) as n from slice").as_pandas_dataframe()["n"][0].item()}
    tp.close()
except Exception as e:  # noqa: BLE001 - any failure to get or run the binary is reported
    processor = {"unavailable": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
sys.stdout.flush()
os.dup2(saved, 1)

print(json.dumps({"samples": samples, "slices": slices, "threads": sum(1 for t in tracks.values() if t.HasField("thread")),
                  "processor": processor}))
