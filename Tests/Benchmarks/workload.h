/* Shared helpers of the benchmark workloads (w1.c, w2.c, w3.c).
 * Each workload times only its own loop (CLOCK_MONOTONIC) and prints one line of
 * key=value ground truth on stdout, which Tests/Benchmarks/bench.py parses. Besides the loop's
 * wall time (loop_ns) they print the CPU time the workload spent (cpu_ns, user + system): tracing
 * probes run in the traced task, so cpu_ns shows their cost even when other work on a busy
 * machine stretches the wall time. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void pin_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "sched_setaffinity(cpu %d): %s\n", cpu, strerror(errno));
		exit(1);
	}
}

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

/* CPU time (user + system) between two rusage samples, in ns. */
static inline unsigned long long cpu_ns(const struct rusage *a, const struct rusage *b)
{
	long long us = (b->ru_utime.tv_sec - a->ru_utime.tv_sec) * 1000000LL + (b->ru_utime.tv_usec - a->ru_utime.tv_usec) +
		       (b->ru_stime.tv_sec - a->ru_stime.tv_sec) * 1000000LL + (b->ru_stime.tv_usec - a->ru_stime.tv_usec);
	return (unsigned long long)us * 1000ull;
}

/* A count from argv[i] if given (for short development runs), else the default. */
static inline long arg_count(int argc, char **argv, int i, long dflt)
{
	if (argc > i) {
		char *end;
		long v = strtol(argv[i], &end, 10);
		if (*end || v <= 0) {
			fprintf(stderr, "expected a positive count, got '%s'\n", argv[i]);
			exit(2);
		}
		return v;
	}
	return dflt;
}
#endif
