/* pipe2, sigtimedwait */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bpfrec_programs.h"

#include <errno.h>
#include <fcntl.h>
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
	stop_flag = sig;
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
void bpfrec_request_stop(void) { stop_flag = SIGTERM; }

int bpfrec_spawn_held(char *const argv[], int *gate_fd, int *error_fd)
{
	int gate[2], err[2];
	if (pipe2(gate, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) != 0) {
		int e = errno;
		close(gate[0]);
		close(gate[1]);
		return -e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(gate[0]); close(gate[1]); close(err[0]); close(err[1]);
		return -e;
	}
	if (pid == 0) {
		close(gate[1]);
		close(err[0]);
		/* The command starts as it would from a shell: no signal blocked, SIGINT/SIGTERM at
		 * their default action (handlers are reset by exec; this covers the wait). */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char go;
		ssize_t n;
		do
			n = read(gate[0], &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		execvp(argv[0], argv);
		int e = errno;
		ssize_t w __attribute__((unused)) = write(err[1], &e, sizeof(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(gate[0]);
	close(err[1]);
	*gate_fd = gate[1];
	*error_fd = err[0];
	return pid;
}

int bpfrec_release_command(int gate_fd, int error_fd)
{
	char go = 1;
	ssize_t n;
	/* A child already gone (killed meanwhile) must not kill bpfrec with SIGPIPE. */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	do
		n = write(gate_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	int write_errno = n == 1 ? 0 : errno;
	if (write_errno == EPIPE) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(gate_fd);
	if (write_errno) {
		close(error_fd);
		return write_errno;
	}
	/* EOF: exec succeeded (the pipe is close-on-exec); else the child's errno. */
	int e = 0;
	do
		n = read(error_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(error_fd);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

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
