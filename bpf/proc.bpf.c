/* proc family: fork, exec (with argv), exit and comm changes. */
#include "common.bpf.h"

#define FAMILY BPFREC_FAMILY_PROC
#define ARG_MAX_KEPT 20
#define ARG_SIZE 128
#define ARG_SCAN 64

/* An exec in progress: filled at sys_enter_execve(at), sent at sys_exit with the result. Task
 * storage follows the task_struct, which survives a multi-threaded exec's change of tid. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct process_exec_record);
} exec_state SEC(".maps");

static __always_inline int exec_enter(const char *filename, const char *const *argv)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32;
	if (skip_current(tgid))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct process_exec_record *e = bpf_task_storage_get(&exec_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e) {
		count_lost(FAMILY);
		return 0;
	}
	e->kind = 0;
	e->ts = now_ns();
	e->pid = tgid;
	e->tid = (__u32)pt;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), filename) < 0)
		e->filename[0] = 0;

	/* The running offset and counts live in the map value, not in registers: the verifier
	 * then sees an unknown (bounds-checked) offset each iteration and prunes, instead of
	 * following every combination of argument lengths. */
	e->argv_len = 0;
	e->argc = 0;
	e->args_truncated = 0;
	for (int i = 0; i < ARG_SCAN; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		e->argc++;
		__u32 off = e->argv_len;
		if (i >= ARG_MAX_KEPT || off > sizeof(e->argv) - ARG_SIZE) {
			e->args_truncated = 1;
			continue;
		}
		long n = bpf_probe_read_user_str(&e->argv[off], ARG_SIZE, arg);
		if (n <= 0 || n > ARG_SIZE) {
			e->argv[off] = 0;
			n = 1;
		} else if (n == ARG_SIZE) {
			/* 127 bytes kept: cut unless the string ended exactly there. */
			char c = 0;
			bpf_probe_read_user(&c, 1, arg + ARG_SIZE - 1);
			if (c)
				e->args_truncated = 1;
		}
		e->argv_len = off + n;
	}
	e->kind = EVENT_PROCESS_EXEC;
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct process_exec_record *e = bpf_task_storage_get(&exec_state, task, 0, 0);
	if (!e || e->kind != EVENT_PROCESS_EXEC)
		return 0;
	e->kind = 0;
	struct process_exec_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	bpf_probe_read_kernel(r, sizeof(*r), e);
	r->kind = EVENT_PROCESS_EXEC;
	r->cpu = bpf_get_smp_processor_id();
	r->ret = ret;
	r->duration = now_ns() - e->ts;
	/* After a successful exec from a non-leader thread the caller has become the leader. */
	r->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	submit(r);
	return 0;
}

/* The per-syscall tracepoints fire only for exec, unlike raw_syscalls, so this family costs
 * nothing on other syscalls. */
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
