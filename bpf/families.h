/* Shared by the BPF objects and the recorder (through Sources/CBPFPrograms): family numbers
 * (generated from the ids in schemas/), which index the loss counters, and the configuration the
 * loader writes into rodata. */
#ifndef BPFREC_FAMILIES_H
#define BPFREC_FAMILIES_H

#include "families.gen.h"

/* Family ids are 0...63 (schemagen checks): the loss counters keep a slot for every possible id,
 * so adding a family changes no other family's object. */
#define BPFREC_FAMILY_SLOTS 64

/* The generic tracepoint capture (tracepoints.bpf.c, bpfrec record -e). Its records carry kind
 * BPFREC_GENERIC_KIND_BASE + the event's index (the attach cookie), above every family's kinds
 * (id << 8 | table, at most 63 << 8 | 255). */
#define BPFREC_GENERIC_KIND_BASE 16384
#define BPFREC_GENERIC_EVENTS_MAX 1024
/* Bytes of a raw trace entry copied at most (fixed part plus dynamic data). */
#define BPFREC_GENERIC_ENTRY_MAX 8192
#define BPFREC_GENERIC_DYNAMIC_MAX 8
/* Entries of at most this many bytes, without dynamic data, strings or stacks, are read by the
 * fast programs (tracepoints.bpf.c), one per size in steps of 4. */
#define BPFREC_GENERIC_FAST_MAX 128
/* Pointer fields read as strings at capture (-e EVENT:field=str): at most this many per event,
 * each up to BPFREC_GENERIC_STRING_SIZE bytes with its NUL, placed before the entry. */
#define BPFREC_GENERIC_STRINGS_MAX 4
#define BPFREC_GENERIC_STRING_SIZE 256

/* The attach cookie of a generic event: its index in the low 32 bits, and in the high bits
 * the stacks to take at each hit (--stack-events, --stack kernel,user). */
#define BPFREC_GENERIC_COOKIE_KSTACK (1ULL << 32)
#define BPFREC_GENERIC_COOKIE_USTACK (1ULL << 33)

/* Per event, written by the recorder before attaching: where the entry's dynamic data is. */
struct bpfrec_generic_event {
	/* Bytes of the fixed part of the entry. */
	unsigned int fixed_size;
	/* Dynamic (__data_loc / __rel_loc) fields: their offsets, and 1 for __rel_loc. */
	unsigned int dynamic_count;
	unsigned short dynamic_offset[BPFREC_GENERIC_DYNAMIC_MAX];
	unsigned char dynamic_relative[BPFREC_GENERIC_DYNAMIC_MAX];
	/* Pointer fields to read as strings (user memory, else kernel memory): their offsets. */
	unsigned int string_count;
	unsigned short string_offset[BPFREC_GENERIC_STRINGS_MAX];
};

/* The record header; then string_count strings of BPFREC_GENERIC_STRING_SIZE bytes, then the
 * raw entry (from common_type); for an event with stacks, the current task's comm
 * (BPFREC_GENERIC_TASK_COMM_MAX bytes), kstack_size bytes of kernel stack and ustack_size bytes
 * of user stack (u64 addresses, innermost first). The stacks come last so that the entry's
 * fields keep fixed offsets. */
struct bpfrec_generic_record {
	unsigned int kind;
	unsigned int cpu;
	unsigned long long ts;
	unsigned int pid;
	unsigned int tid;
	/* Bytes of entry that follow (at most BPFREC_GENERIC_ENTRY_MAX). */
	unsigned short size;
	/* 1 when the entry was longer than BPFREC_GENERIC_ENTRY_MAX and cut there. */
	unsigned short cut;
	unsigned short kstack_size;
	unsigned short ustack_size;
};

struct bpfrec_config {
	/* tgid of the recorder: never recorded. */
	unsigned int own_tgid;
	/* 1: record only tgids in the pid_filter map (-p). */
	unsigned int filter_pids;
	/* Non-zero: record process-context events only from this cgroup v2 id (--cgroup). */
	unsigned long long cgroup_id;
	/* stacks: stacks of tasks as they switch out: 0 none, 1 those leaving in a sleeping state,
	 * 2 every switch-out (preempted and yielding too: what offcputime records live). */
	unsigned int offcpu_stacks;
	/* syscalls: also capture exec for the proc family (which then loads no exec programs). */
	unsigned int exec_in_syscalls;
};

#endif
