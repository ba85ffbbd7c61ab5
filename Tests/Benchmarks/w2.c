/* W2, context-switch storm: two processes ("ping" and "pong"), both pinned to CPU 0, ping-pong
 * one byte over two pipes, N (default 200,000) round trips. Each round trip is one 1-byte write
 * and one 1-byte read in each process (8 raw_syscalls events) and at least two context switches.
 * The main process only forks the two and reaps them, so wait4 gives each one's exact rusage:
 * every sched_switch with prev = ping or pong, including its last one as it dies, is counted in
 * nvcsw + nivcsw. Ping times the loop and sends the time to main (an 8-byte write); cpu_ns is
 * both processes' whole CPU time. */
#include "workload.h"
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void loop(long n, int in, int out, int first)
{
	char c = 'x';
	for (long i = 0; i < n; i++) {
		if (first && write(out, &c, 1) != 1)
			die("write");
		if (read(in, &c, 1) != 1)
			die("read");
		if (!first && write(out, &c, 1) != 1)
			die("write");
	}
}

int main(int argc, char **argv)
{
	long n = arg_count(argc, argv, 1, 200000);
	int ab[2], ba[2], res[2];
	if (pipe(ab) || pipe(ba) || pipe(res))
		die("pipe");
	pid_t pong = fork();
	if (pong < 0)
		die("fork");
	if (pong == 0) {
		pin_cpu(0);
		loop(n, ab[0], ba[1], 0);
		_exit(0);
	}
	pid_t ping = fork();
	if (ping < 0)
		die("fork");
	if (ping == 0) {
		pin_cpu(0);
		uint64_t t0 = now_ns();
		loop(n, ba[0], ab[1], 1);
		uint64_t dt = now_ns() - t0;
		if (write(res[1], &dt, sizeof(dt)) != sizeof(dt))
			die("write result");
		_exit(0);
	}
	uint64_t loop_ns = 0;
	if (read(res[0], &loop_ns, sizeof(loop_ns)) != sizeof(loop_ns))
		die("read result");
	struct rusage r_ping, r_pong;
	int s1, s2;
	if (wait4(ping, &s1, 0, &r_ping) != ping || wait4(pong, &s2, 0, &r_pong) != pong ||
	    !WIFEXITED(s1) || WEXITSTATUS(s1) || !WIFEXITED(s2) || WEXITSTATUS(s2)) {
		fprintf(stderr, "w2: a child failed\n");
		return 1;
	}
	struct rusage zero = { 0 };
	printf("workload=w2 pid=%d child=%d main=%d round_trips=%ld loop_ns=%llu cpu_ns=%llu read_nr=%d write_nr=%d "
	       "nvcsw=%ld nivcsw=%ld child_nvcsw=%ld child_nivcsw=%ld\n",
	       ping, pong, getpid(), n, (unsigned long long)loop_ns,
	       cpu_ns(&zero, &r_ping) + cpu_ns(&zero, &r_pong), SYS_read, SYS_write,
	       r_ping.ru_nvcsw, r_ping.ru_nivcsw, r_pong.ru_nvcsw, r_pong.ru_nivcsw);
	return 0;
}
