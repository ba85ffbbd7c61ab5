/* Shared by the BPF objects and the recorder (through Sources/CBPFPrograms): family numbers
 * (generated from the ids in schemas/), which index the loss counters, and the configuration the
 * loader writes into rodata. */
#ifndef BPFREC_FAMILIES_H
#define BPFREC_FAMILIES_H

#include "families.gen.h"

/* Family ids are 0...63 (schemagen checks): the loss counters keep a slot for every possible id,
 * so adding a family changes no other family's object. */
#define BPFREC_FAMILY_SLOTS 64

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
