/* Exec capture (process_exec rows of the proc family), shared by proc.bpf.c, whose per-syscall
 * tracepoint programs call it, and syscalls.bpf.c, whose raw_syscalls programs call it instead
 * when both families are recorded (cfg.exec_in_syscalls): a per-syscall tracepoint costs every
 * syscall a callback, the syscalls family's programs run anyway. Losses count as proc's. */
#ifndef BPFREC_EXEC_CAPTURE_BPF_H
#define BPFREC_EXEC_CAPTURE_BPF_H

#include "common.bpf.h"

/* What the longest consumer reads: bpftrace's join() (0.17) reads 16 arguments of 1024 bytes
 * with the NUL, libbpf-tools execsnoop up to 60 (--max-args) of 128. So the first 16 are kept
 * to 1024, the next 44 to 128: 16 * 1024 + 44 * 128 = 22016 bytes, the argv column's max. */
#define ARG_MAX_KEPT 60
#define ARG_LONG_KEPT 16
#define ARG_LONG_SIZE 1024
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

/* ts: the call's entry time. The syscalls family passes its own row's, so that the exec and
 * the syscall row of one execve share a timestamp, and a reader replaying process state in time
 * order names the sys_enter_execve with the comm from before the exec. */
static __always_inline int exec_enter_at(__u64 ts, const char *filename, const char *const *argv)
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
	e->ts = ts;
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
	e->args_cut = 0;
	for (int i = 0; i < ARG_SCAN; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		e->argc++;
		__u32 off = e->argv_len;
		__u32 size = i < ARG_LONG_KEPT ? ARG_LONG_SIZE : ARG_SIZE;
		if (i >= ARG_MAX_KEPT || off > sizeof(e->argv) - size) {
			e->args_truncated = 1;
			e->args_cut++;
			continue;
		}
		/* Constant sizes, one call each: the verifier checks each against the offset bound. */
		long n;
		if (i < ARG_LONG_KEPT) {
			if (off > sizeof(e->argv) - ARG_LONG_SIZE)
				continue;
			n = bpf_probe_read_user_str(&e->argv[off], ARG_LONG_SIZE, arg);
		} else {
			if (off > sizeof(e->argv) - ARG_SIZE)
				continue;
			n = bpf_probe_read_user_str(&e->argv[off], ARG_SIZE, arg);
		}
		if (n <= 0 || n > size) {
			e->argv[off] = 0;
			n = 1;
		} else if (n == size) {
			/* size - 1 bytes kept: cut unless the string ended exactly there. */
			char c = 0;
			bpf_probe_read_user(&c, 1, arg + size - 1);
			if (c) {
				e->args_truncated = 1;
				e->args_cut++;
			}
		}
		e->argv_len = off + n;
	}
	e->kind = EVENT_PROCESS_EXEC;
	return 0;
}

static __always_inline int exec_enter(const char *filename, const char *const *argv)
{
	return exec_enter_at(now_ns(), filename, argv);
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
