# SPDX-License-Identifier: GPL-2.0-only
# nsping: build, install, test, demo and benchmark entry points.
#
#   make                  build/nsping, linked against the system's libraries
#   make STATIC=1         refused: Debian has no static libsystemd (below)
#   make install          PREFIX, DESTDIR, SBINDIR, MANDIR, UNITDIR, SYSCONFDIR
#   make uninstall        removes what install put there (not the config)
#   make check            every test; make deps first (the README's test command)
#   make fuzz             each fuzzer for FUZZ_SECONDS (tests/fuzz/README.md)
#   make demo | bench     the lab demo, the benchmarks

VERSION     := $(shell cat VERSION)
PREFIX      ?= /usr/local
DESTDIR     ?=
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/nsping
# bash-completion's own directory when it is installed under PREFIX's share.
COMPDIR     ?= $(DATADIR)/bash-completion/completions
# systemd looks in /usr/local/lib/systemd/system and, on Debian 12, in
# /lib/systemd/system (where debhelper installs units) for PREFIX=/usr.
UNITDIR     ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSCONFDIR  ?= /etc
INSTALL     ?= install
# Stripped on install; debian/rules leaves that to dh_strip (debug symbols package).
INSTALL_STRIP ?= -s

BUILD       ?= build
# make check's second build: nsping and its cmocka tests with ASan+UBSan. The
# runtimes are linked in statically: the real-kernel tests LD_PRELOAD an ioctl
# shim (tests/lib/ioctl_log.c), and a shared libasan must come first in the
# process's library list.
SAN_BUILD   ?= $(BUILD)-asan
SAN_CFLAGS  ?= -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer -static-libasan -static-libubsan
CC          ?= gcc
CLANG       ?= clang
BPFTOOL     ?= bpftool
PKG_CONFIG  ?= pkg-config
PKGS        := libbpf libnl-3.0 libnl-route-3.0 libconfig libsystemd
STATIC      ?=
# Debian ships no static libsystemd (sd_notify): a static link cannot be made.
ifneq ($(STATIC),)
$(error STATIC=1: Debian has no static libsystemd, which sd_notify needs)
endif
# libmicrohttpd, the /metrics server: its header only; the worker loads the
# library with dlopen(3) when an endpoint is asked for (worker/httplib.h).
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) libmicrohttpd 2>/dev/null)
PKG_LIBS    := $(shell $(PKG_CONFIG) $(if $(STATIC),--static) --libs $(PKGS) 2>/dev/null)

# CFLAGS, CPPFLAGS and LDFLAGS are the builder's (dpkg-buildflags sets them for
# the package); what nsping needs is added apart, so that both apply.
CFLAGS      ?= -O2 -g
NSP_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	       -DNSPING_VERSION='"$(VERSION)"' -DNSPING_SYSCONFDIR='"$(SYSCONFDIR)"' \
	       -I$(BUILD)/bpf -Ibpf $(PKG_CFLAGS)
ALL_CFLAGS   = $(NSP_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS      := $(PKG_LIBS) -lpthread -lm

# common/: what the reconciler and the ping worker both use; reconciler/: the
# command line and load -> observe -> plan -> apply; worker/: the ping worker.
CORE_SRCS   := $(filter-out reconciler/main.c,$(wildcard common/*.c reconciler/*.c worker/*.c))
CORE_OBJS   := $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ    := $(BUILD)/reconciler/main.o
COMMON_HDRS := $(wildcard common/*.h)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# cmocka tests of code that needs root and a real kernel (namespaces, sockets)
PRIV_SRCS   := $(wildcard tests/priv/test_*.c)
PRIV_BINS   := $(PRIV_SRCS:tests/priv/%.c=$(BUILD)/tests/%)
UNITS       := $(patsubst etc/%.service.in,$(BUILD)/etc/%.service,$(wildcard etc/*.service.in))

# The installed paths that the build writes into the binary and the units:
# build/paths changes when they do, so `make install PREFIX=/usr` after a
# plain `make` rebuilds them instead of installing units that name /usr/local.
BUILT_PATHS := $(SBINDIR) $(SYSCONFDIR)
$(shell mkdir -p $(BUILD) && echo '$(BUILT_PATHS)' | cmp -s - $(BUILD)/paths || \
	echo '$(BUILT_PATHS)' >$(BUILD)/paths)

.PHONY: all deps check unit integration demo bench install uninstall clean format lint san-bins

all: $(BUILD)/nsping $(UNITS)

-include bpf/bpf.mk
-include tests/tools/tools.mk
-include tests/gateway/gateway.mk
-include tests/fuzz/fuzz.mk

# Makefile as a prerequisite: a change of the flags must rebuild what they
# shaped, not leave a stale build/ to be tested.
$(BUILD)/nsping: $(CORE_OBJS) $(MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(if $(STATIC),-static) -o $@ $^ $(LDLIBS)

# Each folder sees its own headers and common's, so that neither side can
# include the other's and common/ includes neither.
$(BUILD)/common/%.o: common/%.c $(COMMON_HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icommon -c -o $@ $<

$(BUILD)/reconciler/%.o: reconciler/%.c $(wildcard reconciler/*.h) $(COMMON_HDRS) $(BPF_SKELS) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ireconciler -Icommon -c -o $@ $<

$(BUILD)/worker/%.o: worker/%.c $(wildcard worker/*.h) $(COMMON_HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iworker -Icommon -c -o $@ $<

# main.c prints the version and knows where the configuration is installed.
$(MAIN_OBJ): VERSION $(BUILD)/paths

# The units name the installed binary and configuration.
$(BUILD)/etc/%.service: etc/%.service.in Makefile $(BUILD)/paths
	@mkdir -p $(@D)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@

$(BUILD)/tests/%: tests/unit/%.c $(CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Icommon -Ireconciler -Iworker -Itests/unit -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/priv/%.c $(CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Icommon -Ireconciler -Iworker -o $@ $^ $(LDLIBS) -lcmocka

deps:
	@tests/deps.sh

# The pure unit tests (cmocka, no root): what a package build runs.
unit: $(UNIT_BINS)
	@set -e; for t in $^; do $$t; done

# Every real-kernel suite, on the one runner (tests/run.sh).
integration: all $(GW_BINS)
	@tests/run.sh tests/kernel tests/integration/contract tests/gateway

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(PRIV_BINS) $(BPF_TEST_BINS) $(TOOLS_BINS) \
		$(GW_BINS) $(GW_TEST_BINS) $(FUZZ_BINS)
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CFLAGS='$(SAN_CFLAGS)' san-bins
	@SAN_BUILD=$(SAN_BUILD) FUZZ_DIR=$(BUILD)/fuzz \
		tests/check.sh $(UNIT_BINS) $(PRIV_BINS) $(BPF_TEST_BINS) $(GW_TEST_BINS)

# What make check builds again in SAN_BUILD (it runs make BUILD=$(SAN_BUILD)).
san-bins: $(BUILD)/nsping $(UNIT_BINS) $(PRIV_BINS) $(BPF_TEST_BINS)

demo: deps
	@$(MAKE) --no-print-directory all $(GW_BINS)
	@tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(GW_BINS) $(BPF_BENCH_BINS) $(BENCH_TOOLS)
	@bench/run.sh

# The bench's timer (bench/spawntime.c says why not the shell's clock), and
# its reader of BPF run-time statistics (bench/progstats.c).
BENCH_TOOLS := $(BUILD)/bench-tools/spawntime $(BUILD)/bench-tools/progstats
$(BUILD)/bench-tools/spawntime: bench/spawntime.c bench/spawnrun.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror -o $@ $<
$(BUILD)/bench-tools/progstats: bench/progstats.c bench/spawnrun.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror $(PKG_CFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs libbpf)

# What install puts where; uninstall removes exactly these files.
INSTALLED := $(SBINDIR)/nsping $(MANDIR)/man8/nsping.8 $(MANDIR)/man5/nsping.conf.5 \
	     $(COMPDIR)/nsping $(addprefix $(DOCDIR)/,$(wildcard examples/*.conf)) \
	     $(UNITS:$(BUILD)/etc/%=$(UNITDIR)/%)

install: all
	$(INSTALL) -D -m 0755 $(INSTALL_STRIP) $(BUILD)/nsping $(DESTDIR)$(SBINDIR)/nsping
	$(INSTALL) -D -m 0644 docs/nsping.8 $(DESTDIR)$(MANDIR)/man8/nsping.8
	$(INSTALL) -D -m 0644 docs/nsping.conf.5 $(DESTDIR)$(MANDIR)/man5/nsping.conf.5
	$(INSTALL) -D -m 0644 etc/bash-completion $(DESTDIR)$(COMPDIR)/nsping
	for f in examples/*.conf; do \
		$(INSTALL) -D -m 0644 "$$f" $(DESTDIR)$(DOCDIR)/"$$f" || exit; done
	for u in $(UNITS); do \
		$(INSTALL) -D -m 0644 "$$u" $(DESTDIR)$(UNITDIR)/$${u##*/} || exit; done
	@# The configuration is the operator's: installed once, never replaced.
	[ -e $(DESTDIR)$(SYSCONFDIR)/nsping/nsping.conf ] || \
		$(INSTALL) -D -m 0644 examples/nsping.conf $(DESTDIR)$(SYSCONFDIR)/nsping/nsping.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	@[ ! -e $(DESTDIR)$(SYSCONFDIR)/nsping/nsping.conf ] || \
		echo "uninstall: $(SYSCONFDIR)/nsping/nsping.conf is kept (the operator's)"

format:
	clang-format -i common/*.[ch] reconciler/*.[ch] worker/*.[ch] bpf/*.[ch] tests/unit/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Icommon -Ireconciler -Iworker common reconciler worker tests/unit

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
