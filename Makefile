SHELL := /bin/bash
# bpfrec / bpfan. The two commands of the contract: `make demo` and `make test`.
# Both install the Debian packages they need when run as root on a fresh machine.

SWIFT       ?= swift
PREFIX      ?= /usr/local
CONFIG      ?= release
BUILD_DIR   := .build/$(CONFIG)
SAMPLE      ?= samples/mixed.trc
DEB_PACKAGES := libbpf-dev libelf-dev libzstd-dev libsqlite3-dev libedit-dev libcurl4-openssl-dev zlib1g-dev pkg-config bpftool
# The live reference tools of the differential test (Tests/TraceRecorderTests/DifferentialTests):
# libbpf-tools in /usr/sbin, bpftrace and its /usr/sbin/*.bt tools; losetup for its loop device.
# iproute2: the veth pair of the tcpdrop differential test's network namespace.
TEST_DEB_PACKAGES := libbpf-tools bpftrace mount iproute2 chromium clickhouse-server

.PHONY: all deps test-deps build test demo generate check-generated install fuzz fuzz-flags bench clean bpf vmlinux check-bpf check-static man completions check-install deb check-deb

all: build

# Installs what is missing of $(1), in one apt-get call; as non-root it only reports what is missing.
# A package removed but not purged (status deinstall, config-files) counts as missing.
install-missing = missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing ($(2))"; fi; \
	fi

deps:
	@$(call install-missing,$(DEB_PACKAGES),run make as root to install them; bpfan builds without libbpf)

test-deps:
	@$(call install-missing,$(TEST_DEB_PACKAGES),the differential test needs them and root; it says why it skips)

# Release binaries carry the Swift runtime and Foundation statically: each is one file that runs
# on a host with libbpf, libelf and zstd and no Swift (make check-static proves it). lld links
# them: GNU ld repeats glibc's link-time warnings from the static Foundation.
STATIC_FLAGS := $(if $(filter release,$(CONFIG)),--static-swift-stdlib -Xswiftc -use-ld=lld)

build: deps
	$(SWIFT) build -c $(CONFIG) $(STATIC_FLAGS)

# Runs the release binaries with /opt/swift hidden (a mount namespace), and reports their sizes
# and start-up times (root).
check-static: build
	sh Tests/Validation/self-contained.sh $(BUILD_DIR)

# Regenerates from schemas/*.json: the Swift table catalog, the C record header, the family
# numbers, the recorder's family list and its dispatch to each family's skeleton; and embeds
# the shipped bpftrace scripts (Sources/TraceTools/Scripts/*.bt) in bpfan.
generate:
	$(SWIFT) run schemagen
	python3 Sources/TraceTools/Scripts/embed-scripts.py

check-generated:
	$(SWIFT) run schemagen --check
	python3 Sources/TraceTools/Scripts/embed-scripts.py --check

# Every test, then proof that the committed BPF skeletons are what bpf/ builds to.
test: deps test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory check-bpf

# The main job on the bundled sample: what the recording holds, then a few live tools' output.
demo: build
	$(BUILD_DIR)/bpfan info $(SAMPLE)
	$(BUILD_DIR)/bpfan check $(SAMPLE)
	$(BUILD_DIR)/bpfan execsnoop $(SAMPLE)
	$(BUILD_DIR)/bpfan tcplife $(SAMPLE)
	$(BUILD_DIR)/bpfan biolatency $(SAMPLE)
	$(BUILD_DIR)/bpfan runqlat -m $(SAMPLE)
	$(BUILD_DIR)/bpfan syscount -T 5 $(SAMPLE)
	$(BUILD_DIR)/bpfan offcputime -f -p $$($(BUILD_DIR)/bpfan execsnoop samples/offcpu.trc | awk '$$1 == "python3" { print $$2; exit }') samples/offcpu.trc
	# compare's report shape on an A/A pair (the recording against itself: every verdict ~, exit 0)
	$(BUILD_DIR)/bpfan compare $(SAMPLE) $(SAMPLE) syscount --fail-if 'rate(openat)>+20%'
	# compare on a base and a regressed recording (samples/compare-*.trc: the second makes 20%
	# more getppid calls): exit 1, a regression, is the expected verdict; 0, 2 or 3 fail the demo
	@echo '$(BUILD_DIR)/bpfan compare samples/compare-base.trc samples/compare-new.trc syscount'; \
	  $(BUILD_DIR)/bpfan compare samples/compare-base.trc samples/compare-new.trc syscount; s=$$?; \
	  if [ $$s = 1 ]; then echo "exit 1: regression found, as expected"; else echo "exit $$s: expected 1 (the injected regression)" >&2; exit 1; fi

# Man pages of bpfrec, bpfan and each of their commands (bpfan.biolatency.1, ...), generated
# from the argument parser's help by swift-argument-parser's generate-manual, so they say what
# --help says and cannot drift. Dated by the last commit, so a rebuild gives the same pages.
MAN_DIR  := .build/man
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%F)
PROGRAMS  = bpfan $(if $(wildcard $(BUILD_DIR)/bpfrec),bpfrec)
man: build
	$(SWIFT) build --product generate-manual
	rm -rf $(MAN_DIR) && mkdir -p $(MAN_DIR)
	for p in $(PROGRAMS); do "$$($(SWIFT) build --show-bin-path)/generate-manual" $(BUILD_DIR)/$$p --multi-page --date $(MAN_DATE) -o $(MAN_DIR); done
	rm -f $(MAN_DIR)/*.help.1

# bash, zsh and fish completions, from the same parser.
COMPLETIONS_DIR := .build/completions
completions: build
	mkdir -p $(COMPLETIONS_DIR)/bash $(COMPLETIONS_DIR)/zsh $(COMPLETIONS_DIR)/fish
	for p in $(PROGRAMS); do \
	  $(BUILD_DIR)/$$p --generate-completion-script bash > $(COMPLETIONS_DIR)/bash/$$p && \
	  $(BUILD_DIR)/$$p --generate-completion-script zsh > $(COMPLETIONS_DIR)/zsh/_$$p && \
	  $(BUILD_DIR)/$$p --generate-completion-script fish > $(COMPLETIONS_DIR)/fish/$$p.fish || exit 1; \
	done

# Binaries installed stripped (bpfrec 60 MB instead of 77 MB), with man pages and completions.
install: build man completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	for p in $(PROGRAMS); do install -s -m 0755 $(BUILD_DIR)/$$p $(DESTDIR)$(PREFIX)/bin/$$p; done
	install -m 0644 $(MAN_DIR)/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(COMPLETIONS_DIR)/bash/* $(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -m 0644 $(COMPLETIONS_DIR)/zsh/* $(DESTDIR)$(PREFIX)/share/zsh/site-functions/
	install -m 0644 $(COMPLETIONS_DIR)/fish/* $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/

# make deb: one .deb of bpfrec and bpfan (Swift runtime inside, man pages, completions) from
# make install's tree. Depends: the Debian packages owning the shared libraries the binaries
# link, as found here (libbpf1, libc6, libelf1, libgcc-s1, libstdc++6, libzstd1, zlib1g).
DEB_VERSION = $(shell sed -n 's/.*static let number = "\(.*\)"/\1/p' Sources/TraceFormat/Version.swift)
DEB_ARCH    = $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_ROOT   := .build/deb/root
DEB_FILE    = .build/deb/bpfrec_$(DEB_VERSION)_$(DEB_ARCH).deb
deb:
	rm -rf $(DEB_ROOT) && mkdir -p $(DEB_ROOT)/DEBIAN
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/*.1
	depends=$$(for b in $(DEB_ROOT)/usr/bin/*; do ldd $$b | awk '/=>/ {print $$3}'; done | sort -u | \
	  while read l; do dpkg -S "$$l" 2>/dev/null || dpkg -S "$$(readlink -f $$l)" 2>/dev/null || dpkg -S "/usr$$l" || exit 1; done | \
	  cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g') && \
	{ echo "Package: bpfrec"; echo "Version: $(DEB_VERSION)"; echo "Architecture: $(DEB_ARCH)"; \
	  echo "Maintainer: bpfrec developers <bpfrec@localhost>"; echo "Depends: $$depends"; \
	  echo "Section: devel"; echo "Priority: optional"; echo "Installed-Size: $$(du -sk $(DEB_ROOT)/usr | cut -f1)"; \
	  echo "Description: record kernel events once with eBPF, answer any question later"; \
	  echo " bpfrec records tracepoint events (syscalls, block I/O, scheduler, TCP, stacks) into a"; \
	  echo " compressed columnar file; bpfan reproduces the bcc, libbpf-tools and bpftrace tools"; \
	  echo " over it, unprivileged, on any machine."; } > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $(DEB_FILE)

# Installs the .deb on a clean Debian 12 root made with debootstrap (cached in DEB_TEST_DIR,
# each run on a fresh overlay of it), and records and reads a command there (root, network).
DEB_TEST_DIR ?= /var/tmp/bpfrec-deb-test
check-deb: deb
	sh Tests/Validation/deb.sh $(DEB_FILE) $(DEB_TEST_DIR)

# make install into a scratch root, then checks what it put there (Tests/Validation/install.sh).
check-install: build
	sh Tests/Validation/install.sh

clean:
	rm -rf .build

# libFuzzer over the recording reader (not part of `make test`): FUZZ_RUNS executions from a
# seed recording. A crash leaves its input in .build-fuzz/ and fails the target.
FUZZ_RUNS ?= 1000000
fuzz: deps
	$(SWIFT) build --product trc-fuzz
	mkdir -p .build-fuzz/corpus
	.build/debug/trc-fuzz --write-seed .build-fuzz/corpus/seed.trc
	.build/debug/trc-fuzz --write-ring-seed .build-fuzz/corpus/ring-seed.trc
	swiftc -O -sanitize=fuzzer,address -parse-as-library -DFUZZING -module-name TraceFuzz -I Sources/CZstd \
	  Sources/TraceFormat/*.swift Sources/trc-fuzz/FuzzReader.swift -o .build-fuzz/trc-fuzz 2>&1 | grep -v 'Cannot export local symbol' || true
	cd .build-fuzz && ./trc-fuzz -runs=$(FUZZ_RUNS) -max_len=16384 -timeout=10 -rss_limit_mb=2048 corpus

# bpfan's flag parsers: random argument vectors for every command (run on the sample when they
# parse) and random --fail-if texts. A crash or a 10 s hang leaves its input in
# .build-fuzz/flags-current and fails the target.
# Then bpfrec record's flags and -e / --stack-events specs (record-fuzz, where libbpf builds),
# selected from a copy of tracefs's event formats (built-in ones without root), one run in six
# with a format file mutated; its input is left in .build-fuzz/record-current.
FLAG_FUZZ_RUNS ?= 20000
RECORD_FUZZ_RUNS ?= 20000
fuzz-flags: deps
	$(SWIFT) build --product flag-fuzz
	mkdir -p .build-fuzz
	.build/debug/flag-fuzz --runs $(FLAG_FUZZ_RUNS) --seed $${SEED:-1} --recording $(SAMPLE) --current .build-fuzz/flags-current
	if [ -f /usr/include/bpf/libbpf.h ]; then \
	  $(SWIFT) build --product record-fuzz && \
	  .build/debug/record-fuzz --runs $(RECORD_FUZZ_RUNS) --seed $${SEED:-1} --current .build-fuzz/record-current; \
	else echo "fuzz-flags: record-fuzz skipped (no libbpf-dev, so neither it nor bpfrec builds)"; fi

# BPF programs: bpf/<family>.bpf.c -> .build/bpf/<family>.bpf.o -> the skeleton header that embeds
# the object, committed under Sources/CBPFPrograms so `swift build` needs no BPF toolchain.
# Paths are made relative (-ffile-prefix-map) so the embedded BTF, and the committed headers,
# do not depend on where the tree is checked out.
# One family per bpf/<family>.bpf.c (schemagen checks each has its schemas/<family>.json).
BPF_FAMILIES := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_CLANG    ?= clang
BPF_CFLAGS   := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -ffile-prefix-map=$(CURDIR)=. -I bpf
SKEL_DIR     := Sources/CBPFPrograms/skeletons
BPF_OBJ_DIR  := .build/bpf

bpf: $(foreach f,$(BPF_FAMILIES),$(SKEL_DIR)/$(f).skel.h)

# vmlinux.h is committed; regenerate it from the running kernel's BTF on purpose only.
vmlinux:
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h

$(BPF_OBJ_DIR)/%.bpf.o: bpf/%.bpf.c bpf/common.bpf.h bpf/exec_capture.bpf.h bpf/families.h bpf/families.gen.h bpf/events.gen.h bpf/vmlinux.h
	@mkdir -p $(BPF_OBJ_DIR)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@.full
	bpftool gen object $@ $@.full

$(SKEL_DIR)/%.skel.h: $(BPF_OBJ_DIR)/%.bpf.o
	@mkdir -p $(SKEL_DIR)
	bpftool gen skeleton $< name $*_bpf > $@

# CI: the committed skeletons must be what the sources build to.
check-bpf:
	@if ! command -v bpftool >/dev/null || ! command -v $(BPF_CLANG) >/dev/null || ! git rev-parse --git-dir >/dev/null 2>&1; then \
	  echo "check-bpf: skipped: needs bpftool, $(BPF_CLANG) and a git checkout"; \
	else \
	  rm -rf $(BPF_OBJ_DIR) && $(MAKE) --no-print-directory -B bpf >/dev/null && \
	  git diff --exit-code --stat -- $(SKEL_DIR) && echo "check-bpf: committed skeletons match bpf/"; \
	fi

# The x86_64 syscall number -> name table embedded in the recorder.
syscall-names:
	{ echo '// Generated from /usr/include/x86_64-linux-gnu/asm/unistd_64.h (linux-libc-dev 6.1) by'; \
	  echo '// `awk` in the Makefile target `syscall-names`; the x86_64 syscall table, embedded because the'; \
	  echo '// hosts that record need not have kernel headers.'; echo 'enum SyscallNamesX86_64 {'; \
	  echo '    static let table: [Int: String] = ['; \
	  awk '/^#define __NR_/ {sub("__NR_","",$$2); printf "        %s: \"%s\",\n", $$3, $$2}' /usr/include/x86_64-linux-gnu/asm/unistd_64.h; \
	  echo '    ]'; echo '}'; } > Sources/TraceRecorder/SyscallNamesX86_64.swift

# The arguments of the syscalls with a syscall_detail row, from this kernel's formats (root).
syscall-args:
	@mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
	python3 Sources/TraceAnalysis/gen-syscall-arguments.py > Sources/TraceAnalysis/SyscallArguments.swift

# make bench: recorder overhead, bytes/event and analyzer speed against perf, trace-cmd
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
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
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
	$(BENCH_CC) -O2 -Wall -o $(BENCH_BUILD)/w4 $(BENCH_DIR)/w4.c
	$(BENCH_CC) -O2 -Wall -o $(BENCH_BUILD)/w5 $(BENCH_DIR)/w5.c
	$(BENCH_CC) -O2 -Wall -shared -fPIC -o $(BENCH_BUILD)/tracecmd_shim.so $(BENCH_DIR)/tracecmd_shim.c -ldl
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $(BENCH_BUILD)/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BENCH_BUILD) -I$(BENCH_DIR) \
	  -c $(BENCH_DIR)/floor.bpf.c -o $(BENCH_BUILD)/floor.bpf.o
	bpftool gen object $(BENCH_BUILD)/floor.o $(BENCH_BUILD)/floor.bpf.o
	bpftool gen skeleton $(BENCH_BUILD)/floor.o name floor_bpf > $(BENCH_BUILD)/floor.skel.h
	$(BENCH_CC) -O2 -Wall -I$(BENCH_BUILD) -I$(BENCH_DIR) -o $(BENCH_BUILD)/floor $(BENCH_DIR)/floor.c -lbpf -lelf -lz

# bpfrec/bpfan are measured when they build; the rest of the benchmark runs either way.
bench: bench-tools deps
	-$(SWIFT) build -c release --static-swift-stdlib -Xswiftc -use-ld=lld
	python3 $(BENCH_DIR)/bench.py --bin $(BENCH_BUILD) --runs $(BENCH_RUNS) --out $(BENCH_OUT) \
	  --bpfrec .build/release/bpfrec --bpfan .build/release/bpfan $(BENCH_ARGS)
	python3 $(BENCH_DIR)/generic_bench.py --bin $(BENCH_BUILD) --runs $(BENCH_RUNS) \
	  --bpfrec .build/release/bpfrec --bpfan .build/release/bpfan --report $(BENCH_OUT)/generic.md
	python3 $(BENCH_DIR)/sql_bench.py --bpfan .build/release/bpfan --bpfrec .build/release/bpfrec \
	  --w1 $(BENCH_BUILD)/w1 --rows 100000000 --skip OFFSET > $(BENCH_OUT)/sql.md && cat $(BENCH_OUT)/sql.md
