#include "bpfrec_programs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

int bpfrec_open_cpu_clock(int cpu, unsigned long long freq)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.freq = 1;
	attr.sample_freq = freq;
	long fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
	if (stop_flag)
		signal(sig, SIG_DFL);
	stop_flag = 1;
}

void bpfrec_install_stop_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A parent may have spawned us with these blocked (Foundation's Process does). */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int bpfrec_stop_requested(void) { return stop_flag; }
void bpfrec_request_stop(void) { stop_flag = 1; }

int bpfrec_gettid(void) { return (int)syscall(SYS_gettid); }

static int libbpf_verbose;
static char last_warning[512];

static int libbpf_printer(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && libbpf_verbose < 2)
		return 0;
	va_list copy;
	va_copy(copy, args);
	if (level == LIBBPF_WARN) {
		vsnprintf(last_warning, sizeof(last_warning), fmt, copy);
		size_t n = strlen(last_warning);
		while (n && last_warning[n - 1] == '\n')
			last_warning[--n] = 0;
	}
	va_end(copy);
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void bpfrec_setup_libbpf_logging(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_printer);
}

const char *bpfrec_last_libbpf_warning(void) { return last_warning; }
