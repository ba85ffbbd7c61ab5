SHELL := /bin/bash
# bpfrec / bpfan. The two commands of the contract: `make demo` and `make test`.
# Both install the Debian packages they need when run as root on a fresh machine.

SWIFT       ?= swift
PREFIX      ?= /usr/local
CONFIG      ?= release
BUILD_DIR   := .build/$(CONFIG)
SAMPLE      ?= samples/mixed.trc
DEB_PACKAGES := libbpf-dev libelf-dev libzstd-dev libsqlite3-dev zlib1g-dev pkg-config bpftool

.PHONY: all deps build test demo generate check-generated install fuzz bench clean bpf

all: build

# Installs what is missing, in one apt-get call; as non-root it only reports what is missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run make as root to install them; bpfan builds without libbpf)"; fi; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

# Regenerates the Swift catalog and C record header from schemas/*.json.
generate:
	$(SWIFT) run schemagen

check-generated:
	$(SWIFT) run schemagen --check

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	$(BUILD_DIR)/bpfan info $(SAMPLE)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD_DIR)/bpfan $(DESTDIR)$(PREFIX)/bin/bpfan
	if [ -x $(BUILD_DIR)/bpfrec ]; then install -m 0755 $(BUILD_DIR)/bpfrec $(DESTDIR)$(PREFIX)/bin/bpfrec; fi

clean:
	rm -rf .build

# libFuzzer over the recording reader (not part of `make test`): FUZZ_RUNS executions from a
# seed recording. A crash leaves its input in .build-fuzz/ and fails the target.
FUZZ_RUNS ?= 1000000
fuzz: deps
	$(SWIFT) build --product trc-fuzz
	mkdir -p .build-fuzz/corpus
	.build/debug/trc-fuzz --write-seed .build-fuzz/corpus/seed.trc
	swiftc -O -sanitize=fuzzer,address -parse-as-library -DFUZZING -module-name TraceFuzz -I Sources/CZstd \
	  Sources/TraceFormat/*.swift Sources/trc-fuzz/FuzzReader.swift -o .build-fuzz/trc-fuzz 2>&1 | grep -v 'Cannot export local symbol' || true
	cd .build-fuzz && ./trc-fuzz -runs=$(FUZZ_RUNS) -max_len=8192 -timeout=10 -rss_limit_mb=2048 corpus

# make bench (issue 5): recorder overhead, bytes/event and analyzer speed against perf, trace-cmd
# and a bare ring-buffer floor. Tests/Benchmarks/PERFORMANCE.md explains the figures.
# BENCH_RUNS pairs (untraced, traced) per workload and recorder; BENCH_ARGS go to bench.py
# (e.g. BENCH_ARGS="--workloads w1 --tools floor,perf").
BENCH_DIR      := Tests/Benchmarks
BENCH_BUILD    := .build/bench
BENCH_RUNS     ?= 3
BENCH_ARGS     ?=
BENCH_OUT      ?= /dev/shm/bpfrec-bench
BENCH_CC       ?= cc
BPF_CLANG      ?= clang
BENCH_PACKAGES := linux-perf trace-cmd libbpf-dev libelf-dev zlib1g-dev bpftool zstd time

.PHONY: bench-deps bench-tools
bench-deps:
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "make bench needs root (missing Debian packages:$$missing)"; exit 1; fi; \
	fi

bench-tools: bench-deps
	@mkdir -p $(BENCH_BUILD)
	$(BENCH_CC) -O2 -Wall -o $(BENCH_BUILD)/w1 $(BENCH_DIR)/w1.c
	$(BENCH_CC) -O2 -Wall -o $(BENCH_BUILD)/w2 $(BENCH_DIR)/w2.c
	$(BENCH_CC) -O2 -Wall -o $(BENCH_BUILD)/w3 $(BENCH_DIR)/w3.c
	$(BENCH_CC) -O2 -Wall -shared -fPIC -o $(BENCH_BUILD)/tracecmd_shim.so $(BENCH_DIR)/tracecmd_shim.c -ldl
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $(BENCH_BUILD)/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BENCH_BUILD) -I$(BENCH_DIR) \
	  -c $(BENCH_DIR)/floor.bpf.c -o $(BENCH_BUILD)/floor.bpf.o
	bpftool gen object $(BENCH_BUILD)/floor.o $(BENCH_BUILD)/floor.bpf.o
	bpftool gen skeleton $(BENCH_BUILD)/floor.o name floor_bpf > $(BENCH_BUILD)/floor.skel.h
	$(BENCH_CC) -O2 -Wall -I$(BENCH_BUILD) -I$(BENCH_DIR) -o $(BENCH_BUILD)/floor $(BENCH_DIR)/floor.c -lbpf -lelf -lz

# bpfrec/bpfan are measured when they build; the rest of the benchmark runs either way.
bench: bench-tools deps
	-$(SWIFT) build -c release
	python3 $(BENCH_DIR)/bench.py --bin $(BENCH_BUILD) --runs $(BENCH_RUNS) --out $(BENCH_OUT) \
	  --bpfrec .build/release/bpfrec --bpfan .build/release/bpfan $(BENCH_ARGS)
