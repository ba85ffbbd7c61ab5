/* W1, syscall storm: N (default 2,000,000) getppid() through syscall(2), pinned to CPU 0.
 * Ground truth: calls, so 2*calls raw_syscalls events (sys_enter + sys_exit, NR getppid)
 * from this pid. */
#include "workload.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = arg_count(argc, argv, 1, 2000000);
	pin_cpu(0);
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	uint64_t t1 = now_ns();
	getrusage(RUSAGE_SELF, &r1);
	printf("workload=w1 pid=%d nr=%d calls=%ld loop_ns=%llu cpu_ns=%llu nvcsw=%ld nivcsw=%ld\n",
	       getpid(), SYS_getppid, n, (unsigned long long)(t1 - t0), cpu_ns(&r0, &r1),
	       r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	return 0;
}
