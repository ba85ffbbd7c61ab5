/* sched family: context switches, wakeups and migrations. Events name two tasks; they are
 * dropped only when the recorder is one of them (or neither passes the -p filter). */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_SCHED

static __always_inline int on_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	__u32 ptgid = BPF_CORE_READ(prev, tgid);
	__u32 ntgid = BPF_CORE_READ(next, tgid);
	if (skip_pair(ptgid, ntgid))
		return 0;
	struct sched_switch_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_SCHED_SWITCH, ptgid, BPF_CORE_READ(prev, pid));
	BPF_CORE_READ_INTO(&r->prev_comm, prev, comm);
	r->prev_prio = BPF_CORE_READ(prev, prio);
	r->prev_state = prev_state;
	r->preempt = preempt;
	r->next_pid = ntgid;
	r->next_tid = BPF_CORE_READ(next, pid);
	BPF_CORE_READ_INTO(&r->next_comm, next, comm);
	r->next_prio = BPF_CORE_READ(next, prio);
	submit(r);
	return 0;
}
DUAL_TP(sched_switch, on_switch(preempt, prev, next, prev_state),
	bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)

static __always_inline int on_wakeup(struct task_struct *p, __u32 kind)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (skip_pair(pt >> 32, tgid))
		return 0;
	/* Same layout for both tables (checked below), so one writer serves both. */
	struct sched_wakeup_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, kind, pt >> 32, (__u32)pt);
	r->target_pid = tgid;
	r->target_tid = BPF_CORE_READ(p, pid);
	BPF_CORE_READ_INTO(&r->target_comm, p, comm);
	r->target_prio = BPF_CORE_READ(p, prio);
	r->target_cpu = BPF_CORE_READ(p, thread_info.cpu);
	submit(r);
	return 0;
}
_Static_assert(sizeof(struct sched_wakeup_record) == sizeof(struct sched_wakeup_new_record), "wakeup layouts");
_Static_assert(__builtin_offsetof(struct sched_wakeup_record, target_cpu) == __builtin_offsetof(struct sched_wakeup_new_record, target_cpu), "wakeup layouts");
_Static_assert(__builtin_offsetof(struct sched_wakeup_record, target_comm) == __builtin_offsetof(struct sched_wakeup_new_record, target_comm), "wakeup layouts");
DUAL_TP(sched_wakeup, on_wakeup(p, EVENT_SCHED_WAKEUP), struct task_struct *p)
DUAL_TP(sched_wakeup_new, on_wakeup(p, EVENT_SCHED_WAKEUP_NEW), struct task_struct *p)

static __always_inline int on_migrate(struct task_struct *p, int dest_cpu)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (skip_pair(pt >> 32, tgid))
		return 0;
	struct sched_migrate_task_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_SCHED_MIGRATE_TASK, pt >> 32, (__u32)pt);
	r->target_pid = tgid;
	r->target_tid = BPF_CORE_READ(p, pid);
	r->orig_cpu = BPF_CORE_READ(p, thread_info.cpu);
	r->dest_cpu = dest_cpu;
	submit(r);
	return 0;
}
DUAL_TP(sched_migrate_task, on_migrate(p, dest_cpu), struct task_struct *p, int dest_cpu)
