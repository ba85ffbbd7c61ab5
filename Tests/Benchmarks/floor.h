/* The floor recorder's one record: 48 bytes per event, whatever the event. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

enum floor_type {
	FT_SYS_ENTER = 1,	/* a = syscall nr, b = arg0, c = arg2 */
	FT_SYS_EXIT,		/* a = syscall nr, b = return value */
	FT_SCHED_SWITCH,	/* a = prev pid, b = next pid, c = prev state, aux = preempt */
	FT_SCHED_WAKEUP,	/* a = pid, b = target cpu */
	FT_SCHED_WAKEUP_NEW,	/* a = pid, b = target cpu */
	FT_SCHED_MIGRATE,	/* a = pid, b = dest cpu */
	FT_PROCESS_FORK,	/* a = parent pid, b = child pid */
	FT_PROCESS_EXIT,	/* a = pid, b = group dead */
	FT_RQ_INSERT,		/* a = dev, b = sector, c = bytes (every block_rq_ and block_io_ event) */
	FT_RQ_ISSUE,
	FT_RQ_COMPLETE,		/* aux = error */
	FT_RQ_REQUEUE,
	FT_IO_START,
	FT_IO_DONE,
	FT_MAX
};

struct floor_rec {
	__u64 ts;		/* bpf_ktime_get_ns */
	__u32 tgid;
	__u32 tid;
	__u16 type;		/* enum floor_type */
	__u16 cpu;
	__u32 aux;
	__u64 a, b, c;
};
#endif
