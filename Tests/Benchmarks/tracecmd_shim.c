/* LD_PRELOAD shim that lets trace-cmd 3.1.6 run on our VMs (see /work/shared/notes/platform.md):
 * the function-tracer control files answer EPERM here and trace-cmd gives up, so this shim makes
 * them look absent (ENOENT) to open/access/stat. Everything else passes through.
 * Build: cc -shared -fPIC -O2 -o tracecmd_shim.so tracecmd_shim.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hidden(const char *path)
{
	if (!path)
		return 0;
	static const char *const names[] = { "set_ftrace_filter", "set_ftrace_notrace", "set_ftrace_pid",
					     "set_graph_function", "set_graph_notrace", "enabled_functions",
					     NULL };
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (int i = 0; names[i]; i++)
		if (strcmp(base, names[i]) == 0)
			return 1;
	return strcmp(path, "/proc/sys/kernel/ftrace_enabled") == 0;
}

#define REAL(name, ret, ...) \
	static ret (*real_##name)(__VA_ARGS__); \
	if (!real_##name) real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

#define MODE_ARG(flags) \
	mode_t mode = 0; \
	if ((flags) & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }

int open(const char *path, int flags, ...)
{
	MODE_ARG(flags);
	REAL(open, int, const char *, int, ...);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	MODE_ARG(flags);
	REAL(open64, int, const char *, int, ...);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	MODE_ARG(flags);
	REAL(openat, int, int, const char *, int, ...);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	MODE_ARG(flags);
	REAL(openat64, int, int, const char *, int, ...);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_openat64(dirfd, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode)
{
	REAL(fopen, FILE *, const char *, const char *);
	if (hidden(path)) { errno = ENOENT; return NULL; }
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	REAL(fopen64, FILE *, const char *, const char *);
	if (hidden(path)) { errno = ENOENT; return NULL; }
	return real_fopen64(path, mode);
}

int access(const char *path, int amode)
{
	REAL(access, int, const char *, int);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_access(path, amode);
}

int faccessat(int dirfd, const char *path, int amode, int flags)
{
	REAL(faccessat, int, int, const char *, int, int);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_faccessat(dirfd, path, amode, flags);
}

int stat(const char *path, struct stat *st)
{
	REAL(stat, int, const char *, struct stat *);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_stat(path, st);
}

int stat64(const char *path, struct stat64 *st)
{
	REAL(stat64, int, const char *, struct stat64 *);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_stat64(path, st);
}

int lstat(const char *path, struct stat *st)
{
	REAL(lstat, int, const char *, struct stat *);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_lstat(path, st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	REAL(fstatat, int, int, const char *, struct stat *, int);
	if (hidden(path)) { errno = ENOENT; return -1; }
	return real_fstatat(dirfd, path, st, flags);
}
