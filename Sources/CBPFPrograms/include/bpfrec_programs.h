/* The recorder's C side: the BPF objects of every family (embedded by their bpftool skeletons)
 * behind a family-number API, and the few calls Swift cannot make itself (variadic syscall(),
 * an async-signal-safe stop flag). */
#ifndef BPFREC_PROGRAMS_H
#define BPFREC_PROGRAMS_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include "../../../bpf/families.h"

/* Opens (does not load) a family's BPF object with its rodata configuration set (families.gen.c).
 * Returns NULL with errno set on failure; *skel receives the handle for bpfrec_destroy_family. */
struct bpf_object *bpfrec_open_family(int family, const struct bpfrec_config *cfg, void **skel);
void bpfrec_destroy_family(int family, void *skel);

/* perf_event_open of a software cpu-clock sampler on one CPU at `freq` Hz (all tasks).
 * Returns the fd or -errno. */
int bpfrec_open_cpu_clock(int cpu, unsigned long long freq);

/* SIGINT/SIGTERM set a flag the drain loop polls; a second signal restores the default action
 * so a stuck recorder can still be interrupted. bpfrec_stop_requested() returns the signal
 * number that asked (0: none yet). */
void bpfrec_install_stop_handler(void);
int bpfrec_stop_requested(void);
void bpfrec_request_stop(void);

/* The launcher (bpfrec record -- CMD): forks a child that waits, with an empty signal mask,
 * until bpfrec_release_command() lets it exec argv (searched in PATH), so that its pid is in
 * the -p filter before its first instruction. Returns the pid (or -errno); *gate_fd and
 * *error_fd are the parent's ends of the two pipes. Closing *gate_fd without releasing makes
 * the child exit 127 without running anything. Only async-signal-safe calls run in the child. */
int bpfrec_spawn_held(char *const argv[], int *gate_fd, int *error_fd);
/* Lets the held child exec; returns 0 once it has, or the errno execvp failed with (the child
 * then exits 127 for ENOENT, else 126, as shells do). Closes both fds. */
int bpfrec_release_command(int gate_fd, int error_fd);

int bpfrec_gettid(void);

/* Routes libbpf's messages: silent unless `verbose`, but the last warning is always kept so a
 * failed load can be explained in one line. */
void bpfrec_setup_libbpf_logging(int verbose);
const char *bpfrec_last_libbpf_warning(void);

#endif
