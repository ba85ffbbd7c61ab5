#!/bin/bash
# bpfrec record --ring, proved on the real kernel (root), with figures:
#  1. a syscall storm for DURATION s (default 60) into a 16 MiB ring: the file's size and its
#     allocated bytes, sampled every 50 ms, never pass the ring by more than one chunk plus the
#     permanent region (schemas, metadata, snapshot), and the ring's live chunk bytes never
#     pass 16 MiB (read from the control block with bpfan info --json every 2 s);
#  2. kill -9 at KILLS (default 10) random moments of fresh storm recordings: each file is called
#     sound by bpfan check, or damaged only in its newest chunk, and its newest event is at most
#     a few hundred ms older than the kill (it covers the newest data).
# The short variants are in `make test` (TraceRecorderTests/RingRecordingTests.swift).
#
# Usage: sudo Tests/Validation/ring_kill.sh [BPFREC] [BPFAN] [DIR]
#   defaults: .build/release/bpfrec .build/release/bpfan /tmp/ring-kill
#   env: DURATION=60 KILLS=10 RING=16M
set -u
BPFREC=${1:-.build/release/bpfrec}
BPFAN=${2:-.build/release/bpfan}
DIR=${3:-/tmp/ring-kill}
DURATION=${DURATION:-60}
KILLS=${KILLS:-10}
RING=${RING:-16M}
[ "$(id -u)" = 0 ] || { echo "ring_kill.sh: needs root (BPF)" >&2; exit 2; }
for b in "$BPFREC" "$BPFAN"; do [ -x "$b" ] || { echo "ring_kill.sh: $b: not built" >&2; exit 2; }; done
mkdir -p "$DIR"
rm -f "$DIR"/*.trc
fail=0
mono_ns() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

storm() { dd if=/dev/zero of=/dev/null bs=1 count=100000000000 2>/dev/null & echo $!; }

# ---- 1. 60 s under a storm, sizes sampled ----
S=$(storm)
"$BPFREC" record -o "$DIR/long.trc" --families syscalls --ring "$RING" -d "$DURATION" 2> "$DIR/long.err" &
REC=$!
max_size=0; max_alloc=0; samples=0; max_live=0; polls=0; last_poll=0
while kill -0 $REC 2>/dev/null; do
    if read -r size blocks < <(stat -c '%s %b' "$DIR/long.trc" 2>/dev/null); then
        samples=$((samples + 1))
        (( size > max_size )) && max_size=$size
        (( blocks * 512 > max_alloc )) && max_alloc=$((blocks * 512))
    fi
    now=$SECONDS
    if (( now - last_poll >= 2 )); then
        last_poll=$now
        live=$("$BPFAN" info --json "$DIR/long.trc" 2>/dev/null | json 'd["ring"][0]["live_bytes"] if d.get("ring") else 0' 2>/dev/null || echo 0)
        polls=$((polls + 1))
        (( live > max_live )) && max_live=$live
    fi
    sleep 0.05
done
wait $REC; rc=$?
kill $S; wait $S 2>/dev/null
tail -1 "$DIR/long.err"
info=$("$BPFAN" info --json "$DIR/long.trc")
capacity=$(echo "$info" | json 'd["ring"][0]["capacity"]')
final=$(echo "$info" | json 'd["file_bytes"]')
dropped=$(echo "$info" | json 'd["ring"][0]["dropped_chunks"]')
dropped_bytes=$(echo "$info" | json 'd["ring"][0]["dropped_bytes"]')
live_chunks=$(echo "$info" | json 'd["ring"][0]["live_chunks"]')
live_bytes=$(echo "$info" | json 'd["ring"][0]["live_bytes"]')
max_chunk=$(echo "$info" | json 'max([t["bytes"] // max(1, t["chunks"]) for t in d["tables"] if t["chunks"]] + [0])')
permanent=$((final - 4096 - capacity))
covered=$(echo "$info" | json '"%.3f s" % ((d["covered"]["last_monotonic_ns"] - d["covered"]["first_monotonic_ns"]) / 1e9)')
echo "long: rc $rc; ${samples} size samples: max file size $max_size, max allocated $max_alloc; final $final = 4096 + ring $capacity + permanent $permanent"
echo "long: ring live bytes, ${polls} control-block reads: max $max_live of $capacity; at the end $live_chunks chunks, $live_bytes bytes kept; dropped $dropped chunks ($dropped_bytes bytes); covered $covered; largest table's mean chunk $max_chunk bytes"
if (( rc != 0 )); then echo "FAIL long: bpfrec exited $rc"; fail=1; fi
if (( dropped == 0 )); then echo "FAIL long: the ring never wrapped"; fail=1; fi
if (( max_size > 4096 + capacity + permanent )); then echo "FAIL long: the file passed ring + permanent region"; fail=1; fi
if (( max_alloc > final + 65536 )); then echo "FAIL long: allocated bytes passed the final file"; fail=1; fi
if (( max_live > capacity )); then echo "FAIL long: live chunks passed the ring"; fail=1; fi
"$BPFAN" check "$DIR/long.trc" || { echo "FAIL long: bpfan check"; fail=1; }

# ---- 2. kill -9 at random moments ----
for i in $(seq 1 "$KILLS"); do
    f="$DIR/kill$i.trc"
    S=$(storm)
    "$BPFREC" record -o "$f" --families syscalls --ring "$RING" 2> "$DIR/kill$i.err" &
    REC=$!
    until grep -q "bpfrec: recording" "$DIR/kill$i.err" 2>/dev/null; do sleep 0.05; kill -0 $REC 2>/dev/null || break; done
    # 5 to 25 s in: a 16 MiB ring first wraps about 10 s into the storm here, so most kills
    # land in a ring that has dropped chunks, some before.
    delay=$(python3 -c "import random; print('%.2f' % random.uniform(5, 25))")
    sleep "$delay"
    killed=$(mono_ns)   # taken ~20 ms (a python start) before the kill itself
    kill -9 $REC; wait $REC 2>/dev/null
    kill $S; wait $S 2>/dev/null
    out=$("$BPFAN" check "$f" 2>&1); crc=$?
    info=$("$BPFAN" info --json "$f")
    last=$(echo "$info" | json 'd["covered"]["last_monotonic_ns"] or 0')
    drops=$(echo "$info" | json 'd["ring"][0]["dropped_chunks"]')
    damage=$(echo "$info" | json 'len(d["damage"])')
    age=$(python3 -c "print('%.3f' % (($killed - $last) / 1e9))")
    verdict=sound
    if (( crc != 0 )); then
        if echo "$out" | grep -q "newest chunk is torn" && [ "$(echo "$out" | grep -c 'offset')" = 1 ]; then verdict="damaged in its newest chunk only"; else verdict="DAMAGED"; fail=1; fi
    fi
    echo "kill $i at ${delay} s: $verdict; newest event ${age} s before the kill; ring dropped $drops chunks; damage entries $damage"
    python3 -c "import sys; sys.exit(0 if $killed - $last < 1_000_000_000 else 1)" || { echo "FAIL kill $i: newest event ${age} s old"; fail=1; }
done
exit $fail
