/* floor: the benchmark's bare ring-buffer recorder (see floor.bpf.c).
 *
 *   floor -o FILE [-r RING_MIB] [-i DRAIN_MS]
 *
 * Attaches, prints "ready" on stderr, then every DRAIN_MS (default 20) consumes the ring buffer
 * and appends the 48-byte records to FILE, until SIGINT or SIGTERM. At exit it prints one line
 * of key=value on stderr: records written, failed reserves ("drops") and the BPF programs'
 * recursion misses (both are loss). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

struct out {
	FILE *f;
	unsigned long long records;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct out *o = ctx;
	if (size != sizeof(struct floor_rec))
		return 0;
	fwrite(data, sizeof(struct floor_rec), 1, o->f);
	o->records++;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, args);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned ring_mib = 16, drain_ms = 20;
	int opt;
	while ((opt = getopt(argc, argv, "o:r:i:")) != -1) {
		switch (opt) {
		case 'o': path = optarg; break;
		case 'r': ring_mib = (unsigned)atoi(optarg); break;
		case 'i': drain_ms = (unsigned)atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!path || !ring_mib || (ring_mib & (ring_mib - 1)) || !drain_ms) {
usage:
		fprintf(stderr, "usage: floor -o FILE [-r RING_MIB (power of two)] [-i DRAIN_MS]\n");
		return 2;
	}
	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct floor_bpf *skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->self_tgid = (__u32)getpid();
	bpf_map__set_max_entries(skel->maps.rb, ring_mib << 20);
	int err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: load/attach: %s\n", strerror(-err));
		return 1;
	}
	struct out o = { .f = fopen(path, "w") };
	if (!o.f) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	setvbuf(o.f, NULL, _IOFBF, 1 << 20);
	struct ring_buffer *ring = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_record, &o, NULL);
	if (!ring) {
		fprintf(stderr, "floor: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "ready\n");
	struct timespec tick = { .tv_sec = drain_ms / 1000, .tv_nsec = (long)(drain_ms % 1000) * 1000000L };
	while (!stop) {
		nanosleep(&tick, NULL);
		ring_buffer__consume(ring);
	}
	floor_bpf__detach(skel);
	ring_buffer__consume(ring);
	fflush(o.f);

	unsigned long long dropped = 0, misses = 0;
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals = calloc((size_t)ncpu, sizeof(__u64));
	__u32 key = 0;
	if (vals && bpf_map_lookup_elem(bpf_map__fd(skel->maps.drops), &key, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			dropped += vals[i];
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
			misses += info.recursion_misses;
	}
	fprintf(stderr, "floor records=%llu drops=%llu recursion_misses=%llu\n", o.records, dropped, misses);
	fclose(o.f);
	ring_buffer__free(ring);
	floor_bpf__destroy(skel);
	return 0;
}
