/* Shared helpers of the benchmark workloads (w1.c, w2.c, w3.c).
 * Each workload times only its own loop (CLOCK_MONOTONIC) and prints one line of
 * key=value ground truth on stdout, which Tests/Benchmarks/bench.py parses. */
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
