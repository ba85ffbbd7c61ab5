/* W2, context-switch storm: two processes, both pinned to CPU 0, ping-pong one byte over two
 * pipes, N (default 200,000) round trips. Each round trip is one write and one read in each
 * process (4 syscalls) and at least two context switches.
 * Ground truth: both pids, the round trips, and the context switches rusage counted for each
 * process over its whole life (the child's from wait4), and over the loop for the parent.
 * Both processes run to exit under the tracer: a trace shows one more switch per process than
 * rusage, the dead task's last one. */
#include "workload.h"
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = arg_count(argc, argv, 1, 200000);
	int ab[2], ba[2];
	char c = 'x';
	if (pipe(ab) || pipe(ba))
		die("pipe");
	pin_cpu(0); /* the child inherits the affinity */
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		for (long i = 0; i < n; i++) {
			if (read(ab[0], &c, 1) != 1)
				die("child read");
			if (write(ba[1], &c, 1) != 1)
				die("child write");
		}
		_exit(0);
	}
	struct rusage r0, r1, rc;
	getrusage(RUSAGE_SELF, &r0);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1)
			die("parent write");
		if (read(ba[0], &c, 1) != 1)
			die("parent read");
	}
	uint64_t t1 = now_ns();
	int st;
	if (wait4(child, &st, 0, &rc) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "child failed\n");
		return 1;
	}
	getrusage(RUSAGE_SELF, &r1); /* after wait4, which may block */
	printf("workload=w2 pid=%d child=%d round_trips=%ld loop_ns=%llu read_nr=%d write_nr=%d "
	       "nvcsw=%ld nivcsw=%ld child_nvcsw=%ld child_nivcsw=%ld loop_nvcsw=%ld loop_nivcsw=%ld\n",
	       getpid(), child, n, (unsigned long long)(t1 - t0), SYS_read, SYS_write,
	       r1.ru_nvcsw, r1.ru_nivcsw, rc.ru_nvcsw, rc.ru_nivcsw,
	       r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	return 0;
}
