/* Shared by the BPF objects and the recorder (through Sources/CBPFPrograms): family numbers,
 * which index the loss counters, and the configuration the loader writes into rodata. */
#ifndef BPFREC_FAMILIES_H
#define BPFREC_FAMILIES_H

enum bpfrec_family {
	BPFREC_FAMILY_PROC = 0,
	BPFREC_FAMILY_SYSCALLS = 1,
	BPFREC_FAMILY_BLOCK = 2,
	BPFREC_FAMILY_SCHED = 3,
	BPFREC_FAMILY_TCP = 4,
	BPFREC_FAMILY_STACKS = 5,
	BPFREC_FAMILY_COUNT = 6,
};

struct bpfrec_config {
	/* tgid of the recorder: never recorded. */
	unsigned int own_tgid;
	/* 1: record only tgids in the pid_filter map (-p). */
	unsigned int filter_pids;
	/* Non-zero: record process-context events only from this cgroup v2 id (--cgroup). */
	unsigned long long cgroup_id;
	/* stacks: also record stacks of tasks switched out in a sleeping state. */
	unsigned int offcpu_stacks;
	/* syscalls: also capture exec for the proc family (which then loads no exec programs). */
	unsigned int exec_in_syscalls;
};

#endif
