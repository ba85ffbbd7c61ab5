/* W3, block I/O: N (default 20,000) O_DIRECT 4 KiB random reads and writes, 50/50 from a fixed
 * seed, queue depth 1, on a preallocated 256 MiB file (created and fully written, then fsynced,
 * the first time; kept for later runs).
 * Ground truth: the I/O count (so N block_rq_issue and N block_rq_complete on the file's
 * device, inside the file's extents), the device and the file's extents in 512-byte sectors
 * of that device (from FIEMAP), and rusage context switches.
 * Usage: w3 FILE [N] */
#include "workload.h"
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define FILE_SIZE (256ull << 20)
#define IO_SIZE 4096

static void prepare(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	static char buf[1 << 20];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	for (unsigned long long off = 0; off < FILE_SIZE; off += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write (prepare)");
	if (fsync(fd))
		die("fsync");
	close(fd);
}

static void print_extents(int fd)
{
	size_t cap = 4096;
	struct fiemap *fm = calloc(1, sizeof(*fm) + cap * sizeof(struct fiemap_extent));
	fm->fm_start = 0;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = cap;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
		printf(" extents=unknown");
		free(fm);
		return;
	}
	printf(" n_extents=%u extents=", fm->fm_mapped_extents);
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		printf("%s%llu+%llu", i ? "," : "", (unsigned long long)(e->fe_physical / 512),
		       (unsigned long long)(e->fe_length / 512));
	}
	free(fm);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: w3 FILE [N]\n");
		return 2;
	}
	const char *path = argv[1];
	long n = arg_count(argc, argv, 2, 20000);
	struct stat st;
	int prepared = 0;
	if (stat(path, &st) != 0 || (unsigned long long)st.st_size != FILE_SIZE) {
		prepare(path);
		prepared = 1;
	}
	int fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0)
		die(path);
	if (fstat(fd, &st))
		die("fstat");
	void *buf;
	if (posix_memalign(&buf, IO_SIZE, IO_SIZE))
		die("posix_memalign");
	memset(buf, 0x5a, IO_SIZE);

	uint64_t x = 0x9e3779b97f4a7c15ull; /* fixed seed: the same offsets every run */
	long reads = 0, writes = 0;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		off_t off = (off_t)((x >> 16) % (FILE_SIZE / IO_SIZE)) * IO_SIZE;
		if (x & 1) {
			if (pwrite(fd, buf, IO_SIZE, off) != IO_SIZE)
				die("pwrite");
			writes++;
		} else {
			if (pread(fd, buf, IO_SIZE, off) != IO_SIZE)
				die("pread");
			reads++;
		}
	}
	uint64_t t1 = now_ns();
	getrusage(RUSAGE_SELF, &r1);
	printf("workload=w3 pid=%d ios=%ld reads=%ld writes=%ld loop_ns=%llu cpu_ns=%llu prepared=%d dev=%u:%u "
	       "nvcsw=%ld nivcsw=%ld",
	       getpid(), n, reads, writes, (unsigned long long)(t1 - t0), cpu_ns(&r0, &r1), prepared,
	       major(st.st_dev), minor(st.st_dev), r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	print_extents(fd);
	printf("\n");
	close(fd);
	return 0;
}
