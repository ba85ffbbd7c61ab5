/* stacks family: a cpu-clock sampler (perf_event, --stack-freq Hz per CPU) with kernel and user
 * stacks, and the stacks of tasks as they block (sched_switch) for off-CPU analysis. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_STACKS
#define TASK_RUNNING 0

/* cfs_rq->nr_running was renamed nr_queued in 6.14; CO-RE picks whichever the kernel has. */
struct cfs_rq___old {
	unsigned int nr_running;
} __attribute__((preserve_access_index));

static __always_inline __u32 runq_len(struct task_struct *task)
{
	struct cfs_rq *cfs = BPF_CORE_READ(task, se.cfs_rq);
	if (!cfs)
		return 0;
	if (bpf_core_field_exists(cfs->nr_queued))
		return BPF_CORE_READ(cfs, nr_queued);
	return BPF_CORE_READ((struct cfs_rq___old *)cfs, nr_running);
}

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();
	/* -p: like profile -p, only the selected processes (the idle task is none of them). */
	if (skip_tgid(pt >> 32))
		return 0;
	struct cpu_sample_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_CPU_SAMPLE, pt >> 32, (__u32)pt);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	struct task_struct *task = bpf_get_current_task_btf();
	r->runq_len = runq_len(task);
	r->kstack_len = stack_bytes(bpf_get_stack(ctx, r->kstack, sizeof(r->kstack), 0));
	r->ustack_len = (__u32)pt ? stack_bytes(bpf_get_stack(ctx, r->ustack, sizeof(r->ustack), BPF_F_USER_STACK)) : 0;
	submit(r);
	return 0;
}

/* At sched_switch the current task is prev: its stacks are where it blocks, or, with
 * --offcpu-stacks all, where it was preempted or yielded too. */
static __always_inline int on_switch(void *ctx, bool preempt, struct task_struct *prev, unsigned int prev_state)
{
	if (!cfg.offcpu_stacks || (cfg.offcpu_stacks == 1 && (preempt || prev_state == TASK_RUNNING)))
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	if ((__u32)pt == 0 || (pt >> 32) == cfg.own_tgid)
		return 0;
	if (cfg.filter_pids) {
		__u32 tgid = pt >> 32;
		if (!bpf_map_lookup_elem(&pid_filter, &tgid))
			return 0;
	}
	struct offcpu_stack_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_OFFCPU_STACK, pt >> 32, (__u32)pt);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->state = prev_state;
	r->kstack_len = stack_bytes(bpf_get_stack(ctx, r->kstack, sizeof(r->kstack), 0));
	r->ustack_len = stack_bytes(bpf_get_stack(ctx, r->ustack, sizeof(r->ustack), BPF_F_USER_STACK));
	submit(r);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	return on_switch(ctx, preempt, prev, prev_state);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	return on_switch(ctx, preempt, prev, prev_state);
}
