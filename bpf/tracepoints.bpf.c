/* tracepoints family: any tracepoint, generically (bpfrec record -e SUBSYS:EVENT). One classic
 * tracepoint program is attached to every chosen event with the event's index as its cookie; it
 * copies the raw trace entry, dynamic data included up to a cap, behind a small header, and for
 * events named with --stack-events (cookie bits) the kernel and/or user stack after it. The
 * recorder decodes each entry with the event's tracefs format. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_TRACEPOINTS

_Static_assert(sizeof(struct bpfrec_generic_record) == 32, "generic record header");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFREC_GENERIC_EVENTS_MAX);
	__type(key, __u32);
	__type(value, struct bpfrec_generic_event);
} generic_events SEC(".maps");

/* Failed ring writes per event: the generic family's loss, which the recorder writes as
 * lost_events rows named after the event (not through the per-family counters). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPFREC_GENERIC_EVENTS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} generic_lost SEC(".maps");

#define STRINGS_BYTES (BPFREC_GENERIC_STRINGS_MAX * BPFREC_GENERIC_STRING_SIZE)

struct generic_scratch {
	struct bpfrec_generic_record header;
	__u8 data[STRINGS_BYTES + BPFREC_GENERIC_ENTRY_MAX + BPFREC_GENERIC_TASK_COMM_MAX + BPFREC_GENERIC_KSTACK_MAX + BPFREC_GENERIC_USTACK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct generic_scratch);
} generic_scratch SEC(".maps");

/* The fast path, for the common event with no dynamic data, no strings and no stacks: one
 * program per entry size (8 to BPFREC_GENERIC_FAST_MAX bytes, by 4) reserves the record in the
 * ring at its constant size and reads the entry straight into it by direct context loads, with
 * no helper call, no scratch and no second copy. One per size because the kernel refuses to
 * attach a tracepoint program whose context loads reach past the event's entry (max_ctx_offset,
 * -EACCES), so each event gets the program that reads exactly its size. The first 8 bytes, the
 * common_* fields, are not read: the kernel has overwritten them with a pt_regs pointer before
 * the program runs (perf_trace_run_bpf_submit), and the decoder never reads them. */
static __always_inline int fast_record(void *ctx, const __u32 size)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if (skip_current(pt >> 32))
		return 0;
	__u32 index = (__u32)bpf_get_attach_cookie(ctx);
	struct bpfrec_generic_record *r = bpf_ringbuf_reserve(&events, sizeof(*r) + ((size + 7) & ~7u), 0);
	if (!r) {
		__u64 *n = bpf_map_lookup_elem(&generic_lost, &index);
		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	__u32 *dst = (__u32 *)(r + 1);
	dst[0] = 0;
	dst[1] = 0;
#pragma unroll
	for (int i = 2; i < size / 4; i++)
		dst[i] = ((__u32 *)ctx)[i];
	r->kind = BPFREC_GENERIC_KIND_BASE + index;
	r->cpu = bpf_get_smp_processor_id();
	r->ts = now_ns();
	r->pid = pt >> 32;
	r->tid = (__u32)pt;
	r->size = size;
	r->cut = 0;
	r->kstack_size = 0;
	r->ustack_size = 0;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

#define FAST(n) SEC("tracepoint") int generic_tp_fixed_##n(void *ctx) { return fast_record(ctx, n); }
FAST(8) FAST(12) FAST(16) FAST(20) FAST(24) FAST(28) FAST(32) FAST(36) FAST(40) FAST(44) FAST(48)
FAST(52) FAST(56) FAST(60) FAST(64) FAST(68) FAST(72) FAST(76) FAST(80) FAST(84) FAST(88) FAST(92)
FAST(96) FAST(100) FAST(104) FAST(108) FAST(112) FAST(116) FAST(120) FAST(124) FAST(128)
_Static_assert(BPFREC_GENERIC_FAST_MAX == 128, "one FAST(n) per size up to BPFREC_GENERIC_FAST_MAX");

SEC("tracepoint")
int generic_tracepoint(void *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if (skip_current(pt >> 32))
		return 0;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 index = (__u32)cookie;
	struct bpfrec_generic_event *ev = bpf_map_lookup_elem(&generic_events, &index);
	if (!ev)
		return 0;
	/* The entry ends after the fixed part or after the last dynamic data, whichever is later. */
	__u32 end = ev->fixed_size;
	for (int i = 0; i < BPFREC_GENERIC_DYNAMIC_MAX; i++) {
		if (i >= ev->dynamic_count)
			break;
		__u32 at = ev->dynamic_offset[i];
		__u32 loc = 0;
		if (bpf_probe_read_kernel(&loc, sizeof(loc), ctx + at))
			continue;
		__u32 off = loc & 0xffff, len = loc >> 16;
		if (ev->dynamic_relative[i])
			off += at + 4;
		if (off + len > end)
			end = off + len;
	}
	__u32 zero = 0;
	struct generic_scratch *s = bpf_map_lookup_elem(&generic_scratch, &zero);
	if (!s)
		return 0;
	__u32 size = end;
	s->header.cut = 0;
	if (size > BPFREC_GENERIC_ENTRY_MAX) {
		size = BPFREC_GENERIC_ENTRY_MAX;
		s->header.cut = 1;
	}
	/* Strings behind pointer fields first, each in its fixed slot, then the entry. */
	__u32 strings = ev->string_count;
	if (strings > BPFREC_GENERIC_STRINGS_MAX)
		strings = BPFREC_GENERIC_STRINGS_MAX;
	for (int i = 0; i < BPFREC_GENERIC_STRINGS_MAX; i++) {
		if (i >= strings)
			break;
		__u64 ptr = 0;
		__u8 *slot = &s->data[i * BPFREC_GENERIC_STRING_SIZE];
		slot[0] = 0;
		if (bpf_probe_read_kernel(&ptr, sizeof(ptr), ctx + ev->string_offset[i]) || !ptr)
			continue;
		if (bpf_probe_read_user_str(slot, BPFREC_GENERIC_STRING_SIZE, (const void *)ptr) < 0 &&
		    bpf_probe_read_kernel_str(slot, BPFREC_GENERIC_STRING_SIZE, (const void *)ptr) < 0)
			slot[0] = 0;
	}
	__u32 at = strings * BPFREC_GENERIC_STRING_SIZE;
	if (at > STRINGS_BYTES)
		return 0;
	if (bpf_probe_read_kernel(&s->data[at], size, ctx))
		return 0;
	/* Stacks go after the entry, behind the current comm (stackcount -P names the task by
	 * it). The bounds checks are for the verifier: each write must provably fit the scratch. */
	__u32 end_at = at + size;
	if (end_at > STRINGS_BYTES + BPFREC_GENERIC_ENTRY_MAX)
		return 0;
	long kbytes = 0, ubytes = 0;
	if (cookie & (BPFREC_GENERIC_COOKIE_KSTACK | BPFREC_GENERIC_COOKIE_USTACK)) {
		bpf_get_current_comm(&s->data[end_at], BPFREC_GENERIC_TASK_COMM_MAX);
		end_at += BPFREC_GENERIC_TASK_COMM_MAX;
	}
	if (end_at > STRINGS_BYTES + BPFREC_GENERIC_ENTRY_MAX + BPFREC_GENERIC_TASK_COMM_MAX)
		return 0;
	if (cookie & BPFREC_GENERIC_COOKIE_KSTACK) {
		kbytes = bpf_get_stack(ctx, &s->data[end_at], BPFREC_GENERIC_KSTACK_MAX, 0);
		if (kbytes < 0)
			kbytes = 0;
		if (kbytes > BPFREC_GENERIC_KSTACK_MAX)
			kbytes = BPFREC_GENERIC_KSTACK_MAX;
	}
	end_at += kbytes;
	if (end_at > STRINGS_BYTES + BPFREC_GENERIC_ENTRY_MAX + BPFREC_GENERIC_TASK_COMM_MAX + BPFREC_GENERIC_KSTACK_MAX)
		return 0;
	/* Kernel threads (and the idle task) have no user stack. */
	if ((cookie & BPFREC_GENERIC_COOKIE_USTACK) && (__u32)pt) {
		ubytes = bpf_get_stack(ctx, &s->data[end_at], BPFREC_GENERIC_USTACK_MAX, BPF_F_USER_STACK);
		if (ubytes < 0)
			ubytes = 0;
		if (ubytes > BPFREC_GENERIC_USTACK_MAX)
			ubytes = BPFREC_GENERIC_USTACK_MAX;
	}
	end_at += ubytes;
	if (end_at > sizeof(s->data))
		return 0;
	s->header.kstack_size = kbytes;
	s->header.ustack_size = ubytes;
	s->header.kind = BPFREC_GENERIC_KIND_BASE + index;
	s->header.cpu = bpf_get_smp_processor_id();
	s->header.ts = now_ns();
	s->header.pid = pt >> 32;
	s->header.tid = (__u32)pt;
	s->header.size = size;
	if (bpf_ringbuf_output(&events, s, sizeof(s->header) + end_at, BPF_RB_NO_WAKEUP)) {
		__u64 *n = bpf_map_lookup_elem(&generic_lost, &index);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return 0;
}
