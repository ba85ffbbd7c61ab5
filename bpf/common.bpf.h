/* Shared by every family's BPF object: the ring buffer, the loss counters, the recorder's
 * filters and the helpers that fill the common record header. The maps are created once by the
 * loader and shared between the family objects (bpf_map__reuse_fd), so all records of a
 * recording go through one ring buffer and are drained by one loop. */
#ifndef BPFREC_COMMON_BPF_H
#define BPFREC_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.gen.h"
#include "families.h"

char LICENSE[] SEC("license") = "GPL";

/* One ring buffer for all families: a single drain loop, one memory bound (--ring-size), and
 * per-CPU order kept across families. Its size is set by the loader before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* Failed reserves, per CPU and family (key = the family id, BPFREC_FAMILY_*). Incremented atomically:
 * task and interrupt context share a CPU's slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFREC_FAMILY_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Process filter for -p: tgids to record. Children of a recorded tgid are added at fork by the
 * proc family, so a filtered command's descendants are followed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

/* Knobs, set in rodata by the loader before load so the verifier drops dead branches. */
const volatile struct bpfrec_config cfg = {};

static __always_inline __u64 now_ns(void) { return bpf_ktime_get_ns(); }

static __always_inline void count_lost(__u32 family)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &family);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Reserves a record of `size` bytes for `family`, counting the failure when the ring is full. */
static __always_inline void *reserve(__u64 size, __u32 family)
{
	void *r = bpf_ringbuf_reserve(&events, size, 0);
	if (!r)
		count_lost(family);
	return r;
}

/* No wakeup: the recorder drains on a timer; a wakeup per record costs more than the probe. */
static __always_inline void submit(void *r) { bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP); }

/* True when events of this tgid (in process context, the current task's) must not be recorded:
 * the recorder itself, and anything outside the -p / --cgroup selection. */
static __always_inline bool skip_tgid(__u32 tgid)
{
	if (tgid == cfg.own_tgid)
		return true;
	if (cfg.filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
		return true;
	return false;
}

/* Filter for events that happen in the context of the task they describe (syscalls, exec). */
static __always_inline bool skip_current(__u32 tgid)
{
	if (skip_tgid(tgid))
		return true;
	if (cfg.cgroup_id && bpf_get_current_cgroup_id() != cfg.cgroup_id)
		return true;
	return false;
}

static __always_inline bool pid_filtered_out(__u32 a, __u32 b)
{
	return cfg.filter_pids && !bpf_map_lookup_elem(&pid_filter, &a) && !bpf_map_lookup_elem(&pid_filter, &b);
}

/* A context switch is an event of both tasks: one between two recorder threads is the
 * recorder's alone and dropped, but a switch from or to the recorder is the other task's
 * switch-in or switch-out, which runqlat, cpudist and offcputime need. */
static __always_inline bool skip_switch(__u32 prev_tgid, __u32 next_tgid)
{
	if (prev_tgid == cfg.own_tgid && next_tgid == cfg.own_tgid)
		return true;
	return pid_filtered_out(prev_tgid, next_tgid);
}

/* A wakeup or migration is an event of the task it moves: dropped when that is the recorder,
 * kept when the recorder merely happens to be current (interrupt context, or the waker). */
static __always_inline bool skip_moved_task(__u32 current_tgid, __u32 target_tgid)
{
	if (target_tgid == cfg.own_tgid)
		return true;
	return pid_filtered_out(current_tgid, target_tgid);
}

#define FILL_HEADER(r, k, tgid_, tid_) do {            \
	(r)->kind = (k);                                   \
	(r)->cpu = bpf_get_smp_processor_id();             \
	(r)->ts = now_ns();                                \
	(r)->pid = (tgid_);                                \
	(r)->tid = (tid_);                                 \
} while (0)

/* The length bpf_get_stack returned, as a record's stack length: 0 for an error. */
static __always_inline __u16 stack_bytes(long n)
{
	return n > 0 ? (__u16)n : 0;
}

/* tp_btf gives typed, trusted pointers; raw_tp is the fallback on kernels where tp_btf does not
 * load. DUAL_TP writes the two thin entry points, each with a constant is_btf the handler may take
 * to read fields directly (RD) under tp_btf and through BPF_CORE_READ under raw_tp; the loader
 * enables one set. */
#define DUAL_TP(tp, handler, args...)                                              \
	SEC("tp_btf/" #tp) int BPF_PROG(tp##_btf, args)                                \
	{ const bool is_btf __attribute__((unused)) = true; return handler; }          \
	SEC("raw_tp/" #tp) int BPF_PROG(tp##_raw, args)                                \
	{ const bool is_btf __attribute__((unused)) = false; return handler; }

/* Reads ptr->field: directly under tp_btf, where ptr is a trusted typed pointer (a plain load,
 * no helper call), through bpf_probe_read_kernel under raw_tp. `btf` is DUAL_TP's constant
 * is_btf, so each entry point compiles only its own branch. */
#define RD(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))

#endif
