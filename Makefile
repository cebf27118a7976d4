# SPDX-License-Identifier: GPL-2.0-only
# nsping: build, test, demo and benchmark entry points.

PREFIX      ?= /usr/local
DESTDIR     ?=
BUILD       := build
CC          ?= gcc
CLANG       ?= clang
BPFTOOL     ?= bpftool
PKGS        := libbpf libnl-3.0 libnl-route-3.0 libconfig libelf zlib
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS      ?= -O2 -g
CFLAGS      += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	       -I$(BUILD)/bpf -Ireconciler -Ibpf $(PKG_CFLAGS)
LDLIBS      += -Wl,-Bstatic -lbpf -lnl-route-3 -lnl-3 -lconfig -lelf -lz -Wl,-Bdynamic -lpthread -lm
# build/nsping is linked fully statically: one self-contained binary (SPEC.md),
# and no dynamic loader work on every boot-time or cron rerun. The loader was a
# third of a no-op apply with every library shared, and a fifth with only glibc
# and libm shared (0.8 ms of 4). Its C library is musl, and its libraries are
# Debian's sources built against musl by musl/build.sh into build/musl: glibc's
# start-up alone cost a no-op about 1 ms more on the bench VM (musl/README.md).
# NSPING_LIBC=glibc links the same sources against Debian's static glibc and
# libraries instead, with no build/musl. reconciler/nss_free.c says why the
# three --wrap options are there.
#
# ld.lld puts first, together, the functions that a run uses (libc's start-up
# and libnl's included), in the order bench/order.sh recorded them: a no-op
# then touches about 40 pages of code instead of about 100, and on a
# paravirtualised VM each first touch of a page costs a process 1.4-2.7 us
# (DESIGN.md, "Start-up cost"). A name the list has and the build has not is
# skipped.
NSPING_ORDER   := reconciler/nsping.order
NSPING_LDFLAGS := -static -fuse-ld=lld -Wl,--symbol-ordering-file=$(NSPING_ORDER) \
		  -Wl,--no-warn-symbol-ordering -Wl,--build-id \
		  -Wl,--wrap=getaddrinfo,--wrap=getprotobyname,--wrap=getprotobynumber
NSPING_LDLIBS  := -lbpf -lnl-route-3 -lnl-3 -lconfig -lelf -lz -lpthread -lm
NSPING_LIBC    ?= musl
MUSL           := $(BUILD)/musl
MUSL_CFLAGS    := $(filter-out $(PKG_CFLAGS),$(CFLAGS)) -I$(MUSL)/include -I$(MUSL)/include/libnl3

CORE_SRCS   := $(filter-out reconciler/main.c,$(wildcard reconciler/*.c))
CORE_OBJS   := $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ    := $(BUILD)/reconciler/main.o
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: FORCE all deps check unit integration demo bench install clean distclean format lint

all: $(BUILD)/nsping

-include bpf/bpf.mk
-include tests/tools/tools.mk
-include tests/gateway/gateway.mk

# Makefile as a prerequisite: a change of CFLAGS or of the link flags must
# rebuild what they shaped, not leave a stale build/ to be tested or timed.
ifeq ($(NSPING_LIBC),musl)
# musl-gcc's specs name musl's dynamic loader even for a static link, and
# ld.lld (unlike GNU ld) would then write a PT_INTERP into the binary.
$(BUILD)/nsping: $(CORE_SRCS:%.c=$(MUSL)-obj/%.o) $(MUSL)-obj/reconciler/main.o $(NSPING_ORDER) Makefile \
		$(BUILD)/nsping.libc
	musl-gcc $(MUSL_CFLAGS) $(NSPING_LDFLAGS) -Wl,--no-dynamic-linker -L$(MUSL)/lib \
		-o $@ $(filter %.o,$^) $(NSPING_LDLIBS)
else ifeq ($(NSPING_LIBC),glibc)
$(BUILD)/nsping: $(CORE_OBJS) $(MAIN_OBJ) $(NSPING_ORDER) Makefile $(BUILD)/nsping.libc
	$(CC) $(CFLAGS) $(NSPING_LDFLAGS) -o $@ $(filter %.o,$^) $(NSPING_LDLIBS)
else
$(error NSPING_LIBC must be musl or glibc, not "$(NSPING_LIBC)")
endif

# Which C library build/nsping has: switching relinks it.
$(BUILD)/nsping.libc: FORCE
	@mkdir -p $(@D)
	@echo $(NSPING_LIBC) | cmp -s - $@ || echo $(NSPING_LIBC) >$@

$(BUILD)/reconciler/%.o: reconciler/%.c $(wildcard reconciler/*.h) $(BPF_SKELS) Makefile | $(BUILD)/reconciler
	$(CC) $(CFLAGS) -c -o $@ $<

# The same sources compiled against musl, for build/nsping.
$(MUSL)-obj/reconciler/%.o: reconciler/%.c $(wildcard reconciler/*.h) $(BPF_SKELS) Makefile $(MUSL)/versions
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -c -o $@ $<

# Tests of what differs under musl: compiled with musl-gcc against the musl
# objects, plain programs that print "N passed, N failed".
MUSL_TEST_BINS := $(if $(filter musl,$(NSPING_LIBC)),$(BUILD)/tests/musl/test_errtext)
$(BUILD)/tests/musl/test_errtext: tests/musl/test_errtext.c $(MUSL)-obj/reconciler/errtext.o
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -static -fuse-ld=lld -Wl,--no-dynamic-linker -o $@ $^

# The static libraries, built once from Debian's sources (a minute or two),
# and again when a -dev package's version changes (a Debian update).
$(MUSL)/versions: musl/build.sh musl/elfutils-config.h
	musl/build.sh $(MUSL)
ifeq ($(NSPING_LIBC),musl)
ifneq ($(shell musl/build.sh --sources 2>/dev/null),$(shell cat $(MUSL)/versions 2>/dev/null))
$(MUSL)/versions: FORCE
endif
endif

# The same objects linked against shared glibc, for the contract tests only:
# their ioctl observer is an LD_PRELOAD shim, which a static binary bypasses.
$(BUILD)/tests/nsping-shared: $(CORE_OBJS) $(MAIN_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJS) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/reconciler $(BUILD)/tests:
	mkdir -p $@

deps:
	@tests/deps.sh

unit: $(UNIT_BINS) $(BPF_TEST_BINS) $(GW_TEST_BINS) $(MUSL_TEST_BINS)
	@set -e; for t in $^; do $$t; done

integration: $(BUILD)/nsping $(BUILD)/tests/nsping-shared
	@tests/integration/contract/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(BPF_TEST_BINS) $(TOOLS_BINS) $(GW_BINS) $(GW_TEST_BINS) \
		$(MUSL_TEST_BINS) $(BUILD)/tests/nsping-shared
	@tests/check.sh $(UNIT_BINS) $(BPF_TEST_BINS) $(GW_TEST_BINS) $(MUSL_TEST_BINS)

demo: deps
	@$(MAKE) --no-print-directory all $(GW_BINS)
	@tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BPF_BENCH_BINS) $(BUILD)/bench-tools/spawntime \
		$(BUILD)/bench-tools/empty
	@bench/run.sh

# The bench's timer (bench/spawntime.c says why not the shell's clock).
$(BUILD)/bench-tools/spawntime: bench/spawntime.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

# The bench's floor: a process that does nothing, static on musl like nsping.
$(BUILD)/bench-tools/empty: bench/empty.c
	@mkdir -p $(@D)
	musl-gcc -O2 -static -Wall -Wextra -Werror -o $@ $<

install: $(BUILD)/nsping
	install -D -m 0755 $(BUILD)/nsping $(DESTDIR)$(PREFIX)/sbin/nsping
	install -D -m 0644 docs/nsping.8 $(DESTDIR)$(PREFIX)/share/man/man8/nsping.8
	install -D -m 0644 docs/nsping.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/nsping.conf.5
	install -D -m 0644 examples/nsping.conf $(DESTDIR)$(PREFIX)/share/doc/nsping/nsping.conf.example
	for u in etc/*.service; do [ -e "$$u" ] || continue; \
		install -D -m 0644 "$$u" $(DESTDIR)/lib/systemd/system/$$(basename "$$u"); done

format:
	clang-format -i reconciler/*.[ch] bpf/*.[ch] tests/unit/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Ireconciler reconciler tests/unit

# clean keeps build/musl, the libraries built from Debian's sources (slow to
# rebuild and not changed by nsping's sources); distclean removes it too.
clean:
	@[ ! -d $(BUILD) ] || find $(BUILD) -mindepth 1 -maxdepth 1 ! -name musl -exec rm -rf {} +

distclean:
	rm -rf $(BUILD)
