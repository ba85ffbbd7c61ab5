/* syscalls family: every system call as one row (sys_enter merged with sys_exit per task), and
 * for selected syscalls a detail row with arguments, path strings and a raw user struct. */
#include "common.bpf.h"
#include "exec_capture.bpf.h"

#define FAMILY BPFREC_FAMILY_SYSCALLS

/* The call in progress on a task. Task storage: no table size to outgrow, freed with the task. */
struct call_state {
	__u64 ts;
	__s32 id;
	__u32 detail;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_state);
} call_state SEC(".maps");

/* The detail row being built for a selected syscall, created only for tasks that make one. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_detail_record);
} detail_state SEC(".maps");

/* Detail rule of a syscall: which argument is a path, which a second path, which user struct
 * to copy. Bits 0-2: path argument + 1; bits 3-5: second path argument + 1; bits 6-9: data. */
#define NO_DETAIL 0
#define P(n) ((n) + 1)
#define P2(n) (((n) + 1) << 3)
#define DETAIL_ONLY (1 << 10)
#define D_SHIFT 6
#define D_SOCKADDR_ENTER (1 << D_SHIFT) /* arg1 = sockaddr, arg2 = length (connect, bind) */
#define D_SOCKADDR_EXIT (2 << D_SHIFT)  /* arg1 = sockaddr, *arg2 = length, filled by the kernel (accept) */
#define D_OPEN_HOW (3 << D_SHIFT)       /* arg2 = struct open_how, arg3 = size (openat2) */
#define D_TIMESPEC0 (4 << D_SHIFT)      /* arg0 = struct timespec (nanosleep) */
#define D_TIMESPEC2 (5 << D_SHIFT)      /* arg2 = struct timespec (clock_nanosleep) */
#define D_STR2 (6 << D_SHIFT)           /* arg2, arg4 = strings (mount's filesystem type and options) */
#define MOUNT_FS_MAX 16

/* Retry marks kept in call_state.detail (above the rule bits): the enter-time read of the path
 * (bit 11) or of the second path (bit 12) failed, because the user page was not faulted in yet;
 * sys_exit reads it again, after the kernel has touched it (libbpf-tools opensnoop reads at exit). */
#define RETRY_P (1 << 11)
#define RETRY_P2 (1 << 12)

/* Rules by syscall number: one bounded load instead of a tree of compares on every sys_enter. */
#define NR_RULES 512
static const __u16 rules[NR_RULES] = {
	/* open, stat, lstat, access, truncate, chdir, mkdir, rmdir, creat, unlink, readlink, chmod,
	 * chown, statfs, chroot, umount2, execve */
	[2] = P(0), [4] = P(0), [6] = P(0), [21] = P(0), [76] = P(0), [80] = P(0), [83] = P(0),
	[84] = P(0), [85] = P(0), [87] = P(0), [89] = P(0), [90] = P(0), [92] = P(0), [137] = P(0),
	[161] = P(0), [166] = P(0), [59] = P(0),
	/* openat, mkdirat, mknodat, fchownat, newfstatat, unlinkat, readlinkat, fchmodat, faccessat,
	 * statx, faccessat2, execveat */
	[257] = P(1), [258] = P(1), [259] = P(1), [260] = P(1), [262] = P(1), [263] = P(1),
	[267] = P(1), [268] = P(1), [269] = P(1), [332] = P(1), [439] = P(1), [322] = P(1),
	[437] = P(1) | D_OPEN_HOW,                          /* openat2 */
	[82] = P(0) | P2(1), [86] = P(0) | P2(1), [88] = P(0) | P2(1), /* rename, link, symlink */
	[264] = P(1) | P2(3), [265] = P(1) | P2(3), [316] = P(1) | P2(3), /* renameat, linkat, renameat2 */
	[266] = P(0) | P2(2),                               /* symlinkat */
	[165] = P(0) | P2(1) | D_STR2,                      /* mount */
	[42] = D_SOCKADDR_ENTER, [49] = D_SOCKADDR_ENTER,   /* connect, bind */
	[43] = D_SOCKADDR_EXIT, [288] = D_SOCKADDR_EXIT,    /* accept, accept4 */
	[35] = D_TIMESPEC0,                                 /* nanosleep */
	[230] = D_TIMESPEC2,                                /* clock_nanosleep */
	/* kill, tkill, tgkill, set*id, sync, syncfs, fsync, fdatasync, sync_file_range, msync,
	 * listen, shm* */
	[62] = DETAIL_ONLY, [200] = DETAIL_ONLY, [234] = DETAIL_ONLY,
	[105] = DETAIL_ONLY, [106] = DETAIL_ONLY, [113] = DETAIL_ONLY, [114] = DETAIL_ONLY,
	[117] = DETAIL_ONLY, [119] = DETAIL_ONLY, [122] = DETAIL_ONLY, [123] = DETAIL_ONLY,
	[162] = DETAIL_ONLY, [306] = DETAIL_ONLY, [74] = DETAIL_ONLY, [75] = DETAIL_ONLY,
	[277] = DETAIL_ONLY, [26] = DETAIL_ONLY, [50] = DETAIL_ONLY,
	[29] = DETAIL_ONLY, [30] = DETAIL_ONLY, [31] = DETAIL_ONLY, [67] = DETAIL_ONLY,
};

static __always_inline __u32 detail_rule(long id)
{
	if ((unsigned long)id >= NR_RULES)
		return NO_DETAIL;
	return rules[id];
}

/* Reads a user string; false (and an empty string) when the pointer is set but the read failed. */
static __always_inline bool read_path(char *dst, __u32 size, __u64 ptr)
{
	if (!ptr) {
		dst[0] = 0;
		return true;
	}
	if (bpf_probe_read_user_str(dst, size, (const void *)ptr) < 0) {
		dst[0] = 0;
		return false;
	}
	return true;
}

static __always_inline void read_data(struct syscall_detail_record *d, __u64 ptr, __u64 len)
{
	__u32 n = len > sizeof(d->data) ? sizeof(d->data) : len;
	n &= 0xff; /* keeps the bound visible to the verifier */
	if (n > sizeof(d->data))
		n = sizeof(d->data);
	if (!ptr || !n || bpf_probe_read_user(d->data, n, (const void *)ptr))
		n = 0;
	d->data_len = n;
}

static __always_inline int on_enter(bool btf, struct pt_regs *regs, long id)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if (skip_current(pt >> 32))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct call_state *st = bpf_task_storage_get(&call_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count_lost(FAMILY);
		return 0;
	}
	__u64 ts = now_ns();
	if (cfg.exec_in_syscalls && (id == 59 || id == 322)) {
		if (id == 59) /* execve */
			exec_enter_at(ts, (const char *)RD(btf, regs, di), (const char *const *)RD(btf, regs, si));
		else /* execveat */
			exec_enter_at(ts, (const char *)RD(btf, regs, si), (const char *const *)RD(btf, regs, dx));
	}
	__u32 rule = detail_rule(id);
	st->ts = ts;
	st->id = id;
	st->detail = rule;
	if (!rule)
		return 0;

	struct syscall_detail_record *d = bpf_task_storage_get(&detail_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!d) {
		st->detail = 0;
		count_lost(FAMILY);
		return 0;
	}
	__u64 args[6];
	args[0] = RD(btf, regs, di);
	args[1] = RD(btf, regs, si);
	args[2] = RD(btf, regs, dx);
	args[3] = RD(btf, regs, r10);
	args[4] = RD(btf, regs, r8);
	args[5] = RD(btf, regs, r9);
	d->ts = st->ts;
	d->id = id;
	d->uid = (__u32)bpf_get_current_uid_gid();
	d->arg0 = args[0];
	d->arg1 = args[1];
	d->arg2 = args[2];
	d->arg3 = args[3];
	d->arg4 = args[4];
	d->arg5 = args[5];
	d->data_len = 0;
	__u32 p = rule & 7, p2 = (rule >> 3) & 7;
	if (!p)
		d->path[0] = 0;
	else if (!read_path(d->path, sizeof(d->path), args[(p - 1) & 3]))
		rule |= RETRY_P;
	if (!p2)
		d->path2[0] = 0;
	else if (!read_path(d->path2, sizeof(d->path2), args[(p2 - 1) & 3]))
		rule |= RETRY_P2;
	st->detail = rule;
	switch (rule & (0xf << D_SHIFT)) {
	case D_SOCKADDR_ENTER:
		read_data(d, args[1], args[2]);
		break;
	case D_OPEN_HOW:
		read_data(d, args[2], args[3]);
		break;
	case D_TIMESPEC0:
		read_data(d, args[0], 16);
		break;
	case D_TIMESPEC2:
		read_data(d, args[2], 16);
		break;
	case D_STR2: {
		/* mount: the filesystem type (arg2, up to 15 characters), its NUL, then the options
		 * string (arg4) in the rest; mountsnoop prints both. */
		long n = args[2] ? bpf_probe_read_user_str(d->data, MOUNT_FS_MAX, (const void *)args[2]) : 0;
		if (n <= 0) {
			d->data[0] = 0;
			n = 1;
		}
		n &= MOUNT_FS_MAX - 1; /* keeps the bound visible to the verifier */
		if (n == 0)
			n = MOUNT_FS_MAX;
		long m = args[4] ? bpf_probe_read_user_str(&d->data[n], sizeof(d->data) - MOUNT_FS_MAX, (const void *)args[4]) : 0;
		d->data_len = n + (m > 0 ? m - 1 : 0);
		break;
	}
	}
	return 0;
}

/* A sys_exit whose sys_enter was not seen: the call was in flight when the probes attached, or
 * this is a new task's first return from fork/clone. The live tools count it at sys_exit, so it
 * becomes a row marked unpaired (no enter time, no duration); its arguments are unknown, so no
 * detail row. */
static __always_inline int on_unpaired_exit(bool btf, struct pt_regs *regs, long ret)
{
	__u64 pt = bpf_get_current_pid_tgid();
	if (skip_current(pt >> 32))
		return 0;
	struct syscall_record *r = reserve(sizeof(*r), FAMILY);
	if (!r)
		return 0;
	r->kind = EVENT_SYSCALL;
	r->cpu = bpf_get_smp_processor_id();
	r->ts = now_ns();
	r->pid = pt >> 32;
	r->tid = (__u32)pt;
	r->id = RD(btf, regs, orig_ax);
	r->ret = ret;
	r->duration = 0;
	r->unpaired = 1;
	submit(r);
	return 0;
}

static __always_inline int on_exit(bool btf, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct call_state *st = bpf_task_storage_get(&call_state, task, 0, 0);
	if (!st || !st->ts)
		return on_unpaired_exit(btf, regs, ret);
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 now = now_ns();
	__u64 start = st->ts;
	__u32 rule = st->detail;
	st->ts = 0;
	if (cfg.exec_in_syscalls && (st->id == 59 || st->id == 322))
		exec_exit(ret);

	struct syscall_record *r = reserve(sizeof(*r), FAMILY);
	if (r) {
		r->kind = EVENT_SYSCALL;
		r->cpu = bpf_get_smp_processor_id();
		r->ts = start;
		r->pid = pt >> 32;
		r->tid = (__u32)pt;
		r->id = st->id;
		r->ret = ret;
		r->duration = now - start;
		r->unpaired = 0;
		submit(r);
	}
	if (!rule)
		return 0;
	struct syscall_detail_record *d = bpf_task_storage_get(&detail_state, task, 0, 0);
	if (!d || d->ts != start)
		return 0;
	/* Paths whose enter-time read failed: the kernel has faulted their pages in by now. Not
	 * after a successful execve, whose old image (and the pointers into it) is gone. */
	if ((rule & (RETRY_P | RETRY_P2)) && !((d->id == 59 || d->id == 322) && ret == 0)) {
		__u64 args[4] = {d->arg0, d->arg1, d->arg2, d->arg3};
		__u32 p = rule & 7, p2 = (rule >> 3) & 7;
		if (rule & RETRY_P)
			read_path(d->path, sizeof(d->path), args[(p - 1) & 3]);
		if (rule & RETRY_P2)
			read_path(d->path2, sizeof(d->path2), args[(p2 - 1) & 3]);
	}
	if ((rule & (0xf << D_SHIFT)) == D_SOCKADDR_EXIT && ret >= 0) {
		int len = 0;
		if (d->arg2)
			bpf_probe_read_user(&len, sizeof(len), (const void *)d->arg2);
		read_data(d, d->arg1, len < 0 ? 0 : len);
	}
	struct syscall_detail_record *o = reserve(sizeof(*o), FAMILY);
	if (!o)
		return 0;
	bpf_probe_read_kernel(o, sizeof(*o), d);
	o->kind = EVENT_SYSCALL_DETAIL;
	o->cpu = bpf_get_smp_processor_id();
	o->pid = pt >> 32;
	o->tid = (__u32)pt;
	o->ret = ret;
	o->duration = now - start;
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	/* mount, umount2: the caller's mount namespace, as mountsnoop reads it at the exit. */
	o->mnt_ns = (d->id == 165 || d->id == 166) ? BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) : 0;
	submit(o);
	return 0;
}

DUAL_TP(sys_enter, on_enter(is_btf, regs, id), struct pt_regs *regs, long id)
DUAL_TP(sys_exit, on_exit(is_btf, regs, ret), struct pt_regs *regs, long ret)
