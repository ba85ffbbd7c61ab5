/* W5, softirq storm: N (default 200,000) UDP datagrams of 64 bytes sent over loopback from one
 * socket to another and read back, in one process pinned to CPU 0. Each send hands the packet to
 * the loopback device, which raises NET_RX and runs it when the sender re-enables bottom halves:
 * at least one softirq_raise, softirq_entry and softirq_exit per datagram (timer and RCU
 * softirqs add to them). The generic-capture benchmark records the irq tracepoints over it. */
#include "workload.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = arg_count(argc, argv, 1, 200000);
	pin_cpu(0);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0)
		die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(rx, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	socklen_t len = sizeof(a);
	if (getsockname(rx, (struct sockaddr *)&a, &len))
		die("getsockname");
	char buf[64] = {0};
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a)) != sizeof(buf))
			die("sendto");
		if (recv(rx, buf, sizeof(buf), 0) != sizeof(buf))
			die("recv");
	}
	uint64_t dt = now_ns() - t0;
	getrusage(RUSAGE_SELF, &r1);
	printf("workload=w5 loop_ns=%llu cpu_ns=%llu datagrams=%ld pid=%d\n", (unsigned long long)dt, cpu_ns(&r0, &r1), n, (int)getpid());
	return 0;
}
