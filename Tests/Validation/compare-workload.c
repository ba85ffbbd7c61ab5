// compare-workload: a paced workload for validating `bpfan compare` (issue 13, "Proof").
//
// Pacing is by wall-clock ticks of 10 ms: every tick runs a fixed number of requests, then
// sleeps to the next tick (clock_nanosleep TIMER_ABSTIME). Rates therefore depend on the tick
// count, not on CPU speed or on the load other processes put on the machine; a request that
// overruns its tick makes the next tick start at once, never skipping requests. Every choice
// (which requests sleep, which get an extra call) is a deterministic accumulator, so two runs
// of one command issue the same calls in the same order.
//
//   compare-workload MODE [--seconds S] [--per-tick N] [--cpu C]
//                         [--sleep-frac F --sleep-us U] [--fsync] [--more CALL:FACTOR]
//                         [--spinner] [--dir DIR]
//   MODE: syscalls | blockio | pingpong
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 10000000LL
#define BLOCK 4096
#define FILE_BLOCKS 1024 // a 4 MiB file, rewritten in a cycle

enum mode { SYSCALLS, BLOCKIO, PINGPONG };

static struct {
	enum mode mode;
	double seconds;
	int per_tick;
	int cpu;
	double sleep_frac;
	long sleep_us;
	int fsync_each;
	char more_call[32];
	double more_factor;
	int spinner;
	const char *dir;
} opt = {.seconds = 5, .per_tick = -1, .cpu = -1, .sleep_us = 1000, .more_factor = 1.0, .dir = "/var/tmp"};

static _Noreturn void die(const char *what) {
	fprintf(stderr, "compare-workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static _Noreturn void usage(const char *token) {
	fprintf(stderr, "compare-workload: bad argument '%s' (usage: compare-workload syscalls|blockio|pingpong "
	                "[--seconds S] [--per-tick N] [--cpu C] [--sleep-frac F --sleep-us U] [--fsync] "
	                "[--more CALL:FACTOR] [--spinner] [--dir DIR])\n", token);
	exit(2);
}

static double number(const char *s, const char *flag) {
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) usage(flag);
	return v;
}

// A deterministic Bernoulli stream of exact long-run frequency `frac`: true when the running
// sum crosses the next integer.
struct accumulator { double sum; };
static int fire(struct accumulator *a, double frac) {
	double before = a->sum;
	a->sum += frac;
	return (long)a->sum > (long)before;
}

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t t) {
	struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static void pin(int cpu) {
	if (cpu < 0) return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set)) die("sched_setaffinity");
}

static atomic_int stop;

// The spinner runs on the workload's CPU (affinity is inherited from the thread that creates
// it, and --cpu pins that thread first) and never blocks, so every wakeup of the workload has
// to wait for the scheduler to preempt it.
static void *spin(void *unused) {
	(void)unused;
	volatile uint64_t x = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) x++;
	return NULL;
}

// The injected sleep is a plain relative nanosleep, so it is a second, separate kind of call
// from the tick's absolute clock_nanosleep (both are the clock_nanosleep syscall in glibc).
static struct accumulator sleep_acc;
static void maybe_sleep(void) {
	if (opt.sleep_frac > 0 && fire(&sleep_acc, opt.sleep_frac)) {
		struct timespec ts = {.tv_sec = opt.sleep_us / 1000000, .tv_nsec = (opt.sleep_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
	}
}

// How many times a request makes `call`: once, plus --more's extra share for that call.
static struct accumulator more_acc;
static int times(const char *call) {
	if (opt.more_factor != 1.0 && strcmp(call, opt.more_call) == 0)
		return 1 + fire(&more_acc, opt.more_factor - 1.0);
	return 1;
}

// --- syscalls: getppid, read of /dev/zero, write to /dev/null, openat+close -------------------
static int zero_fd, null_fd;
static char buf[BLOCK] __attribute__((aligned(4096)));
static char path[4096];

static void syscalls_setup(void) {
	if ((zero_fd = open("/dev/zero", O_RDONLY)) < 0) die("/dev/zero");
	if ((null_fd = open("/dev/null", O_WRONLY)) < 0) die("/dev/null");
	snprintf(path, sizeof path, "%s/compare-workload.%d.open", opt.dir, (int)getpid());
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) die(path);
	close(fd);
}

static void syscalls_request(void) {
	for (int i = times("getppid"); i > 0; i--) syscall(SYS_getppid);
	for (int i = times("read"); i > 0; i--)
		if (read(zero_fd, buf, 512) != 512) die("read /dev/zero");
	for (int i = times("write"); i > 0; i--)
		if (write(null_fd, buf, 512) != 512) die("write /dev/null");
	for (int i = times("openat"); i > 0; i--) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) die(path);
		close(fd);
	}
	maybe_sleep();
}

// --- blockio: 4 KiB writes, fdatasync every 16 writes (or fsync after each with --fsync), and
// an O_DIRECT 4 KiB read per request so reads reach the disk instead of the page cache ---------
static int wfd, rfd = -1;
static long wblock, rblock, writes;

static void blockio_setup(void) {
	snprintf(path, sizeof path, "%s/compare-workload.%d.data", opt.dir, (int)getpid());
	if ((wfd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600)) < 0) die(path);
	memset(buf, 'x', sizeof buf);
	for (int i = 0; i < FILE_BLOCKS; i++)
		if (write(wfd, buf, BLOCK) != BLOCK) die("fill");
	if (fsync(wfd)) die("fsync");
	rfd = open(path, O_RDONLY | O_DIRECT);
	if (rfd < 0) fprintf(stderr, "compare-workload: O_DIRECT unavailable (%s); reads go through the page cache\n", strerror(errno)), rfd = open(path, O_RDONLY);
	if (rfd < 0) die(path);
}

static void blockio_request(void) {
	for (int i = times("pwrite64"); i > 0; i--) {
		if (pwrite(wfd, buf, BLOCK, (wblock++ % FILE_BLOCKS) * BLOCK) != BLOCK) die("pwrite");
		writes++;
		if (opt.fsync_each) {
			if (fsync(wfd)) die("fsync");
		} else if (writes % 16 == 0) {
			if (fdatasync(wfd)) die("fdatasync");
		}
	}
	for (int i = times("pread64"); i > 0; i--)
		// Read a block behind the writer, already on disk, so O_DIRECT reads a settled block.
		if (pread(rfd, buf, BLOCK, ((rblock++ * 7) % FILE_BLOCKS) * BLOCK) != BLOCK) die("pread");
	maybe_sleep();
}

// --- pingpong: a token passed to a second thread through one pipe and back through another ----
static int ping[2], pong[2];

static void *ponger(void *unused) {
	(void)unused;
	char c;
	for (;;) {
		ssize_t n = read(ping[0], &c, 1);
		if (n != 1) return NULL; // the main thread closed the pipe: done
		if (write(pong[1], &c, 1) != 1) die("pong write");
	}
}

static pthread_t pong_thread;
static void pingpong_setup(void) {
	if (pipe(ping) || pipe(pong)) die("pipe");
	if (pthread_create(&pong_thread, NULL, ponger, NULL)) die("pthread_create");
}

static void pingpong_request(void) {
	char c = 't';
	for (int i = times("write"); i > 0; i--) {
		if (write(ping[1], &c, 1) != 1) die("ping write");
		if (read(pong[0], &c, 1) != 1) die("ping read");
	}
	maybe_sleep();
}

int main(int argc, char **argv) {
	if (argc < 2) usage("(no mode)");
	if (!strcmp(argv[1], "syscalls")) opt.mode = SYSCALLS;
	else if (!strcmp(argv[1], "blockio")) opt.mode = BLOCKIO;
	else if (!strcmp(argv[1], "pingpong")) opt.mode = PINGPONG;
	else usage(argv[1]);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--fsync")) { opt.fsync_each = 1; continue; }
		if (!strcmp(a, "--spinner")) { opt.spinner = 1; continue; }
		if (!v) usage(a);
		i++;
		if (!strcmp(a, "--seconds")) opt.seconds = number(v, a);
		else if (!strcmp(a, "--per-tick")) opt.per_tick = (int)number(v, a);
		else if (!strcmp(a, "--cpu")) opt.cpu = (int)number(v, a);
		else if (!strcmp(a, "--sleep-frac")) opt.sleep_frac = number(v, a);
		else if (!strcmp(a, "--sleep-us")) opt.sleep_us = (long)number(v, a);
		else if (!strcmp(a, "--dir")) opt.dir = v;
		else if (!strcmp(a, "--more")) {
			const char *colon = strchr(v, ':');
			if (!colon || colon == v || (size_t)(colon - v) >= sizeof opt.more_call) usage(v);
			memcpy(opt.more_call, v, (size_t)(colon - v));
			opt.more_factor = number(colon + 1, v);
			if (opt.more_factor < 1.0 || opt.more_factor > 2.0) usage(v);
		} else usage(a);
	}
	if (opt.sleep_frac > 1) usage("--sleep-frac");
	// Default load per 10 ms tick: light enough that a loaded 2-vCPU machine keeps the pace.
	if (opt.per_tick < 0) opt.per_tick = opt.mode == SYSCALLS ? 20 : opt.mode == BLOCKIO ? 2 : 10;

	pin(opt.cpu);
	switch (opt.mode) {
	case SYSCALLS: syscalls_setup(); break;
	case BLOCKIO: blockio_setup(); break;
	case PINGPONG: pingpong_setup(); break;
	}
	pthread_t spinner;
	if (opt.spinner && pthread_create(&spinner, NULL, spin, NULL)) die("pthread_create");

	long ticks = (long)(opt.seconds * 1e9 / TICK_NS);
	int64_t next = now_ns();
	long behind = 0;
	for (long t = 0; t < ticks; t++) {
		for (int r = 0; r < opt.per_tick; r++) {
			switch (opt.mode) {
			case SYSCALLS: syscalls_request(); break;
			case BLOCKIO: blockio_request(); break;
			case PINGPONG: pingpong_request(); break;
			}
		}
		next += TICK_NS;
		if (now_ns() > next) behind++;
		sleep_until(next);
	}

	atomic_store(&stop, 1);
	if (opt.spinner) pthread_join(spinner, NULL);
	if (opt.mode == PINGPONG) {
		close(ping[1]);
		pthread_join(pong_thread, NULL);
	}
	if (path[0]) unlink(path);
	// How many ticks overran: the script reports it, as overruns change the rates.
	fprintf(stderr, "compare-workload: %s %ld ticks, %ld overran\n", argv[1], ticks, behind);
	return 0;
}
