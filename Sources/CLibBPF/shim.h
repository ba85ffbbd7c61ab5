#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <gelf.h>
