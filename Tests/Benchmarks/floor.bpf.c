// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor: the least a ring-buffer recorder can do. Every event of the compared
 * tracepoints becomes one fixed 48-byte record reserved in one BPF ring buffer and submitted
 * without a wakeup (user space drains on a timer). A failed reserve is counted, atomically, in a
 * per-CPU array. The only filtering is the recorder's own doing: its syscalls, its switches out
 * and its wakeups (a switch *to* the recorder is another task's event and is kept). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "floor.h"

const volatile __u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by user space before load */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline int emit(__u16 type, __u64 a, __u64 b, __u64 c, __u32 aux)
{
	struct floor_rec *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		__u32 k = 0;
		__u64 *d = bpf_map_lookup_elem(&drops, &k);
		if (d)
			__sync_fetch_and_add(d, 1);
		return 0;
	}
	__u64 id = bpf_get_current_pid_tgid();
	r->ts = bpf_ktime_get_ns();
	r->tgid = id >> 32;
	r->tid = (__u32)id;
	r->type = type;
	r->cpu = bpf_get_smp_processor_id();
	r->aux = aux;
	r->a = a;
	r->b = b;
	r->c = c;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

static __always_inline int self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (self())
		return 0;
	return emit(FT_SYS_ENTER, id, regs->di, regs->dx, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	if (self())
		return 0;
	return emit(FT_SYS_EXIT, regs->orig_ax, ret, 0, 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	if (prev->tgid == self_tgid)
		return 0;
	return emit(FT_SCHED_SWITCH, prev->pid, next->pid, prev_state, preempt);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	if (p->tgid == self_tgid)
		return 0;
	return emit(FT_SCHED_WAKEUP, p->pid, p->wake_cpu, 0, 0);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	return emit(FT_SCHED_WAKEUP_NEW, p->pid, p->wake_cpu, 0, 0);
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	return emit(FT_SCHED_MIGRATE, p->pid, dest_cpu, 0, 0);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	return emit(FT_PROCESS_FORK, parent->pid, child->pid, 0, 0);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p, bool group_dead)
{
	return emit(FT_PROCESS_EXIT, p->pid, group_dead, 0, 0);
}

static __always_inline int rq(__u16 type, struct request *rq, __u32 aux)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	__u64 dev = 0;
	if (disk)
		dev = ((__u64)BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor);
	return emit(type, dev, BPF_CORE_READ(rq, __sector), BPF_CORE_READ(rq, __data_len), aux);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *r) { return rq(FT_RQ_INSERT, r, 0); }

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *r) { return rq(FT_RQ_ISSUE, r, 0); }

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *r, blk_status_t error, unsigned int nr_bytes)
{
	return rq(FT_RQ_COMPLETE, r, error);
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(block_rq_requeue, struct request *r) { return rq(FT_RQ_REQUEUE, r, 0); }

SEC("tp_btf/block_io_start")
int BPF_PROG(block_io_start, struct request *r) { return rq(FT_IO_START, r, 0); }

SEC("tp_btf/block_io_done")
int BPF_PROG(block_io_done, struct request *r) { return rq(FT_IO_DONE, r, 0); }

char LICENSE[] SEC("license") = "GPL";
