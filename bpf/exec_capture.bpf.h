/* Exec capture (process_exec rows of the proc family), shared by proc.bpf.c, whose per-syscall
 * tracepoint programs call it, and syscalls.bpf.c, whose raw_syscalls programs call it instead
 * when both families are recorded (cfg.exec_in_syscalls): a per-syscall tracepoint costs every
 * syscall a callback, the syscalls family's programs run anyway. Losses count as proc's. */
#ifndef BPFREC_EXEC_CAPTURE_BPF_H
#define BPFREC_EXEC_CAPTURE_BPF_H

#include "common.bpf.h"

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
		count_lost(BPFREC_FAMILY_PROC);
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
	struct process_exec_record *r = reserve(sizeof(*r), BPFREC_FAMILY_PROC);
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

#endif
