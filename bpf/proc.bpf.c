/* proc family: fork, exec (with argv), exit and comm changes. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_PROC
#include "exec_capture.bpf.h"

/* The per-syscall tracepoints fire only for exec, unlike raw_syscalls; but attaching them
 * registers a callback on raw_syscalls that runs on every syscall (~100 ns each here). When the
 * syscalls family is recorded too, its raw_syscalls programs capture exec instead
 * (cfg.exec_in_syscalls) and the loader leaves these programs out. */
SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx) { return exec_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx) { return exec_exit(ctx->ret); }

/* Fallback when tracefs is unreadable (CAP_BPF + CAP_PERFMON without root: classic tracepoints
 * attach by an id read from tracefs): the same capture from raw_syscalls, at the price of a
 * program run on every syscall. The loader enables one set or the other. */
static __always_inline int exec_sys_enter(struct pt_regs *regs, long id)
{
	if (id == 59) /* execve */
		return exec_enter((const char *)BPF_CORE_READ(regs, di), (const char *const *)BPF_CORE_READ(regs, si));
	if (id == 322) /* execveat */
		return exec_enter((const char *)BPF_CORE_READ(regs, si), (const char *const *)BPF_CORE_READ(regs, dx));
	return 0;
}
SEC("tp_btf/sys_enter") int BPF_PROG(exec_sys_enter_btf, struct pt_regs *regs, long id) { return exec_sys_enter(regs, id); }
SEC("raw_tp/sys_enter") int BPF_PROG(exec_sys_enter_raw, struct pt_regs *regs, long id) { return exec_sys_enter(regs, id); }
SEC("tp_btf/sys_exit") int BPF_PROG(exec_sys_exit_btf, struct pt_regs *regs, long ret) { return exec_exit(ret); }
SEC("raw_tp/sys_exit") int BPF_PROG(exec_sys_exit_raw, struct pt_regs *regs, long ret) { return exec_exit(ret); }

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	/* -p follows descendants: a recorded process's children are recorded too. */
	if (cfg.filter_pids && ptgid != ctgid && bpf_map_lookup_elem(&pid_filter, &ptgid)) {
		__u8 one = 1;
		bpf_map_update_elem(&pid_filter, &ctgid, &one, BPF_ANY);
	}
	if (skip_current(ptgid))
		return 0;
	struct process_fork_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_PROCESS_FORK, ptgid, BPF_CORE_READ(parent, pid));
	BPF_CORE_READ_INTO(&r->comm, parent, comm);
	r->child_pid = ctgid;
	r->child_tid = BPF_CORE_READ(child, pid);
	r->child_start_time = BPF_CORE_READ(child, start_time);
	submit(r);
	return 0;
}
DUAL_TP(sched_process_fork, on_fork(parent, child), struct task_struct *parent, struct task_struct *child)

static __always_inline int on_exit(struct task_struct *task, bool group_dead)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (skip_current(tgid))
		return 0;
	struct process_exit_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_PROCESS_EXIT, tgid, BPF_CORE_READ(task, pid));
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	BPF_CORE_READ_INTO(&r->comm, task, comm);
	r->exit_code = BPF_CORE_READ(task, exit_code);
	r->start_time = BPF_CORE_READ(task, start_time);
	r->group_dead = group_dead;
	submit(r);
	if (group_dead && cfg.filter_pids)
		bpf_map_delete_elem(&pid_filter, &tgid);
	return 0;
}
DUAL_TP(sched_process_exit, on_exit(task, group_dead), struct task_struct *task, bool group_dead)

static __always_inline int on_rename(struct task_struct *task, const char *comm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (skip_tgid(tgid))
		return 0;
	struct comm_change_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	FILL_HEADER(r, EVENT_COMM_CHANGE, tgid, BPF_CORE_READ(task, pid));
	BPF_CORE_READ_INTO(&r->old_comm, task, comm);
	bpf_probe_read_kernel_str(r->new_comm, sizeof(r->new_comm), comm);
	submit(r);
	return 0;
}
DUAL_TP(task_rename, on_rename(task, comm), struct task_struct *task, const char *comm)
