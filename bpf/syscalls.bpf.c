/* syscalls family: every system call as one row (sys_enter merged with sys_exit per task), and
 * for selected syscalls a detail row with arguments, path strings and a raw user struct. */
#include "common.bpf.h"

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
#define D_STR2 (6 << D_SHIFT)           /* arg2 = string (mount's filesystem type) */

static __always_inline __u32 detail_rule(long id)
{
	switch (id) {
	case 2: /* open */ case 4: /* stat */ case 6: /* lstat */ case 21: /* access */
	case 76: /* truncate */ case 80: /* chdir */ case 83: /* mkdir */ case 84: /* rmdir */
	case 85: /* creat */ case 87: /* unlink */ case 89: /* readlink */ case 90: /* chmod */
	case 92: /* chown */ case 137: /* statfs */ case 161: /* chroot */ case 166: /* umount2 */
	case 59: /* execve */
		return P(0);
	case 257: /* openat */ case 258: /* mkdirat */ case 259: /* mknodat */ case 260: /* fchownat */
	case 262: /* newfstatat */ case 263: /* unlinkat */ case 267: /* readlinkat */
	case 268: /* fchmodat */ case 269: /* faccessat */ case 332: /* statx */
	case 439: /* faccessat2 */ case 322: /* execveat */
		return P(1);
	case 437: /* openat2 */
		return P(1) | D_OPEN_HOW;
	case 82: /* rename */ case 86: /* link */ case 88: /* symlink */
		return P(0) | P2(1);
	case 264: /* renameat */ case 265: /* linkat */ case 316: /* renameat2 */
		return P(1) | P2(3);
	case 266: /* symlinkat */
		return P(0) | P2(2);
	case 165: /* mount */
		return P(0) | P2(1) | D_STR2;
	case 42: /* connect */ case 49: /* bind */
		return D_SOCKADDR_ENTER;
	case 43: /* accept */ case 288: /* accept4 */
		return D_SOCKADDR_EXIT;
	case 35: /* nanosleep */
		return D_TIMESPEC0;
	case 230: /* clock_nanosleep */
		return D_TIMESPEC2;
	case 62: /* kill */ case 200: /* tkill */ case 234: /* tgkill */
	case 105: case 106: case 113: case 114: case 117: case 119: case 122: case 123: /* set*id */
	case 162: /* sync */ case 306: /* syncfs */ case 74: /* fsync */ case 75: /* fdatasync */
	case 277: /* sync_file_range */ case 26: /* msync */ case 50: /* listen */
	case 29: case 30: case 31: case 67: /* shm* */
		return DETAIL_ONLY;
	default:
		return NO_DETAIL;
	}
}

static __always_inline void read_path(char *dst, __u32 size, __u64 ptr)
{
	if (!ptr || bpf_probe_read_user_str(dst, size, (const void *)ptr) < 0)
		dst[0] = 0;
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

static __always_inline int on_enter(struct pt_regs *regs, long id)
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
	st->ts = now_ns();
	st->id = id;
	__u32 rule = detail_rule(id);
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
	args[0] = BPF_CORE_READ(regs, di);
	args[1] = BPF_CORE_READ(regs, si);
	args[2] = BPF_CORE_READ(regs, dx);
	args[3] = BPF_CORE_READ(regs, r10);
	args[4] = BPF_CORE_READ(regs, r8);
	args[5] = BPF_CORE_READ(regs, r9);
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
	if (p)
		read_path(d->path, sizeof(d->path), args[(p - 1) & 3]);
	else
		d->path[0] = 0;
	if (p2)
		read_path(d->path2, sizeof(d->path2), args[(p2 - 1) & 3]);
	else
		d->path2[0] = 0;
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
		long n = args[2] ? bpf_probe_read_user_str(d->data, sizeof(d->data), (const void *)args[2]) : 0;
		d->data_len = n > 0 ? n - 1 : 0;
		break;
	}
	}
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct call_state *st = bpf_task_storage_get(&call_state, task, 0, 0);
	if (!st || !st->ts)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 now = now_ns();
	__u64 start = st->ts;
	__u32 rule = st->detail;
	st->ts = 0;

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
		submit(r);
	}
	if (!rule)
		return 0;
	struct syscall_detail_record *d = bpf_task_storage_get(&detail_state, task, 0, 0);
	if (!d || d->ts != start)
		return 0;
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
	submit(o);
	return 0;
}

DUAL_TP(sys_enter, on_enter(regs, id), struct pt_regs *regs, long id)
DUAL_TP(sys_exit, on_exit(ret), struct pt_regs *regs, long ret)
