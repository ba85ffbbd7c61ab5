/* W4, mixed: for S seconds (default 60) the kind of minute a small production host has — a
 * loopback server under load while a build churns processes and a logger syncs to disk:
 *  - server: one process accepting on 127.0.0.1; per connection it reads the request, opens,
 *    fstats and reads one of 16 preallocated 16 KiB pages from DIR, sends it and closes;
 *  - 2 clients: connect, send a 64-byte request, read the page to EOF, close, again;
 *  - builder: fork + exec `cc -c -O1` of a small C file in DIR (falls back to /bin/sh -c :
 *    when no cc), waited for, again — process churn and CPU contention;
 *  - logger: appends 64 KiB to DIR/w4.log and fdatasyncs, every 10 ms (block I/O when DIR is
 *    on a disk), starting the file over past 64 MiB.
 * Ground truth: requests served and completed, execs, syncs, pids; loop_ns is the mix's wall
 * time, cpu_ns the CPU time of all its processes (RUSAGE_CHILDREN once they are reaped).
 * Usage: w4 DIR [SECONDS] */
#include "workload.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 16
#define PAGE_SIZE (16 * 1024)
#define CLIENTS 2

struct shared {
	volatile int stop;
	volatile long served, requests[CLIENTS], execs, syncs;
};

static struct shared *sh;
static char dir[512];

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		die(path);
	close(fd);
}

static void prepare(void)
{
	static char page[PAGE_SIZE];
	char path[600];
	for (int p = 0; p < PAGES; p++) {
		for (size_t i = 0; i < sizeof(page); i++)
			page[i] = (char)('a' + (i * 31 + p) % 26);
		snprintf(path, sizeof(path), "%s/w4-page-%d", dir, p);
		write_file(path, page, sizeof(page));
	}
	static const char unit[] =
		"#include <stdio.h>\n#include <string.h>\n"
		"struct item { char name[32]; int weight; };\n"
		"static int cmp(const struct item *a, const struct item *b) { return strcmp(a->name, b->name) ?: a->weight - b->weight; }\n"
		"int sort_items(struct item *v, int n) { int swaps = 0;\n"
		"  for (int i = 1; i < n; i++) for (int j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) {\n"
		"    struct item t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; swaps++; }\n"
		"  return swaps; }\n"
		"void print_items(const struct item *v, int n) { for (int i = 0; i < n; i++) printf(\"%s %d\\n\", v[i].name, v[i].weight); }\n";
	snprintf(path, sizeof(path), "%s/w4-unit.c", dir);
	write_file(path, unit, sizeof(unit) - 1);
}

static void server(int lfd)
{
	static char buf[PAGE_SIZE];
	char path[600];
	while (!sh->stop) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		char req[128];
		ssize_t n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = 0;
		int page = n > 0 ? atoi(req + 4) % PAGES : 0; /* "GET <k> ..." */
		snprintf(path, sizeof(path), "%s/w4-page-%d", dir, page);
		int fd = open(path, O_RDONLY);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0) {
			ssize_t got = read(fd, buf, (size_t)st.st_size < sizeof(buf) ? (size_t)st.st_size : sizeof(buf));
			for (ssize_t off = 0; got > 0 && off < got;) {
				ssize_t w = write(c, buf + off, (size_t)(got - off));
				if (w <= 0)
					break;
				off += w;
			}
		}
		if (fd >= 0)
			close(fd);
		close(c);
		__atomic_add_fetch(&sh->served, 1, __ATOMIC_RELAXED);
	}
	exit(0);
}

static void client(int id, int port)
{
	static char buf[PAGE_SIZE];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (long k = id; !sh->stop; k += CLIENTS) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		/* Once the server stops, a pending connection is reset: not an error then. */
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
			if (sh->stop)
				break;
			die("connect");
		}
		char req[64];
		memset(req, ' ', sizeof(req));
		int len = snprintf(req, sizeof(req), "GET %ld HTTP/1.0", k);
		req[len] = ' ';
		req[sizeof(req) - 1] = '\n';
		if (write(s, req, sizeof(req)) != (ssize_t)sizeof(req)) {
			if (sh->stop)
				break;
			die("write request");
		}
		ssize_t got = 0, n;
		while ((n = read(s, buf, sizeof(buf))) > 0)
			got += n;
		close(s);
		if (got == PAGE_SIZE) /* a connection the server never served (it stopped) is reset */
			sh->requests[id]++;
	}
	exit(0);
}

static void builder(void)
{
	char src[600], obj[600];
	snprintf(src, sizeof(src), "%s/w4-unit.c", dir);
	snprintf(obj, sizeof(obj), "%s/w4-unit.o", dir);
	int have_cc = access("/usr/bin/cc", X_OK) == 0;
	while (!sh->stop) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
			if (have_cc)
				execl("/usr/bin/cc", "cc", "-c", "-O1", "-o", obj, src, (char *)NULL);
			execl("/bin/sh", "sh", "-c", ":", (char *)NULL);
			_exit(127);
		}
		int status;
		waitpid(p, &status, 0);
		sh->execs++;
	}
	exit(0);
}

static void logger(void)
{
	static char buf[64 * 1024];
	char path[600];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(' ' + i % 90);
	snprintf(path, sizeof(path), "%s/w4.log", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0)
		die(path);
	off_t size = 0;
	struct timespec tick = {0, 10 * 1000 * 1000};
	while (!sh->stop) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write log");
		if (fdatasync(fd))
			die("fdatasync");
		sh->syncs++;
		if ((size += sizeof(buf)) >= (64 << 20)) {
			if (ftruncate(fd, 0))
				die("ftruncate");
			size = 0;
		}
		nanosleep(&tick, NULL);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: w4 DIR [SECONDS]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	long seconds = arg_count(argc, argv, 2, 60);
	signal(SIGPIPE, SIG_IGN); /* a peer that closed early is an error return, not a death */
	prepare();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 128) || getsockname(lfd, (struct sockaddr *)&a, &alen))
		die("listen");
	int port = ntohs(a.sin_port);

	uint64_t t0 = now_ns();
	pid_t pids[3 + CLIENTS];
	int np = 0;
	if ((pids[np++] = fork()) == 0)
		server(lfd);
	close(lfd);
	for (int c = 0; c < CLIENTS; c++)
		if ((pids[np++] = fork()) == 0)
			client(c, port);
	if ((pids[np++] = fork()) == 0)
		builder();
	if ((pids[np++] = fork()) == 0)
		logger();
	struct timespec run = {seconds, 0};
	while (nanosleep(&run, &run) != 0 && errno == EINTR)
		;
	sh->stop = 1;
	/* The server may sit in accept() once the clients stop: one last connection wakes it. */
	for (int c = 1; c < np; c++)
		waitpid(pids[c], NULL, 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	waitpid(pids[0], NULL, 0);
	uint64_t t1 = now_ns();
	struct rusage ru = {0}, zero = {0};
	getrusage(RUSAGE_CHILDREN, &ru);
	long requests = 0;
	for (int c = 0; c < CLIENTS; c++)
		requests += sh->requests[c];
	printf("workload=w4 pid=%d server=%d seconds=%ld requests=%ld served=%ld execs=%ld syncs=%ld "
	       "loop_ns=%llu cpu_ns=%llu nvcsw=%ld nivcsw=%ld\n",
	       getpid(), pids[0], seconds, requests, sh->served, sh->execs, sh->syncs,
	       (unsigned long long)(t1 - t0), cpu_ns(&zero, &ru), ru.ru_nvcsw, ru.ru_nivcsw);
	return 0;
}
