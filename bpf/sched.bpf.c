/* sched family: context switches, wakeups and migrations. Events name two tasks; see
 * skip_switch and skip_moved_task for which of them the recorder leaves out. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_SCHED

/* Copies a task's comm: two plain 8-byte loads under tp_btf, one helper call under raw_tp. */
#define READ_COMM(btf, dst, task) do {                                  \
	if (btf)                                                            \
		__builtin_memcpy(dst, (task)->comm, sizeof((task)->comm));      \
	else                                                                \
		BPF_CORE_READ_INTO(&(dst), task, comm);                         \
} while (0)

static __always_inline int on_switch(bool btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	__u32 ptgid = RD(btf, prev, tgid);
	__u32 ntgid = RD(btf, next, tgid);
	if (skip_switch(ptgid, ntgid))
		return 0;
	struct sched_switch_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_SCHED_SWITCH, ptgid, RD(btf, prev, pid));
	READ_COMM(btf, r->prev_comm, prev);
	r->prev_prio = RD(btf, prev, prio);
	r->prev_state = prev_state;
	r->preempt = preempt;
	r->next_pid = ntgid;
	r->next_tid = RD(btf, next, pid);
	READ_COMM(btf, r->next_comm, next);
	r->next_prio = RD(btf, next, prio);
	submit(r);
	return 0;
}
DUAL_TP(sched_switch, on_switch(is_btf, preempt, prev, next, prev_state),
	bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)

static __always_inline int on_wakeup(bool btf, struct task_struct *p, __u32 kind)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = RD(btf, p, tgid);
	if (skip_moved_task(pt >> 32, tgid))
		return 0;
	/* Same layout for both tables (checked below), so one writer serves both. */
	struct sched_wakeup_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, kind, pt >> 32, (__u32)pt);
	r->target_pid = tgid;
	r->target_tid = RD(btf, p, pid);
	READ_COMM(btf, r->target_comm, p);
	r->target_prio = RD(btf, p, prio);
	r->target_cpu = RD(btf, p, thread_info.cpu);
	submit(r);
	return 0;
}
_Static_assert(sizeof(struct sched_wakeup_record) == sizeof(struct sched_wakeup_new_record), "wakeup layouts");
_Static_assert(__builtin_offsetof(struct sched_wakeup_record, target_cpu) == __builtin_offsetof(struct sched_wakeup_new_record, target_cpu), "wakeup layouts");
_Static_assert(__builtin_offsetof(struct sched_wakeup_record, target_comm) == __builtin_offsetof(struct sched_wakeup_new_record, target_comm), "wakeup layouts");
DUAL_TP(sched_wakeup, on_wakeup(is_btf, p, EVENT_SCHED_WAKEUP), struct task_struct *p)
DUAL_TP(sched_wakeup_new, on_wakeup(is_btf, p, EVENT_SCHED_WAKEUP_NEW), struct task_struct *p)

static __always_inline int on_migrate(bool btf, struct task_struct *p, int dest_cpu)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = RD(btf, p, tgid);
	if (skip_moved_task(pt >> 32, tgid))
		return 0;
	struct sched_migrate_task_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_SCHED_MIGRATE_TASK, pt >> 32, (__u32)pt);
	r->target_pid = tgid;
	r->target_tid = RD(btf, p, pid);
	r->orig_cpu = RD(btf, p, thread_info.cpu);
	r->dest_cpu = dest_cpu;
	submit(r);
	return 0;
}
DUAL_TP(sched_migrate_task, on_migrate(is_btf, p, dest_cpu), struct task_struct *p, int dest_cpu)
