# SPDX-License-Identifier: GPL-2.0-only
# The test gateway (tests/gateway/README.md).  Included by the top-level
# Makefile (-include tests/gateway/gateway.mk) after bpf/bpf.mk; uses its
# BUILD, CLANG, BPFTOOL, CC and CFLAGS, and BPF_CFLAGS / BPF_USER_CFLAGS /
# BPF_USER_LDLIBS from bpf/bpf.mk.
#
#   $(BUILD)/tests/gateway/gw_magic.bpf.o   clang -target bpf, with BTF
#   $(BUILD)/tests/gateway/gw_magic.skel.h  bpftool gen skeleton; struct gw_magic_bpf
#   $(BUILD)/tests/nsping-testgw            the loader / listener CLI   (GW_BINS)
#   $(BUILD)/tests/test_gw_magic            cmocka, root: BPF_PROG_RUN  (GW_TEST_BINS)
#   make gateway-selftest                   tests/gateway/selftest.sh, root: real kernel
#   make gateway-lint / gateway-format      cppcheck (with the system headers, so
#                                           that it can expand LIBBPF_OPTS and SEC)
#                                           / clang-format -i

# Usable wherever the include line sits: defaults for a top Makefile that has
# not set these yet, and the default goal left as it was (an empty one lets
# the next rule of the including Makefile become the default, as without us).
BUILD           ?= build
CLANG           ?= clang
BPFTOOL         ?= bpftool
GW_SAVED_GOAL   := $(.DEFAULT_GOAL)

GW_DIR          := tests/gateway
GW_BUILD         = $(BUILD)/tests/gateway
GW_OBJ           = $(GW_BUILD)/gw_magic.bpf.o
GW_SKEL          = $(GW_BUILD)/gw_magic.skel.h
GW_HDRS          = $(GW_DIR)/gw_magic.h bpf/nsping_magic.h
GW_BINS         := $(BUILD)/tests/nsping-testgw
GW_TEST_BINS    := $(BUILD)/tests/test_gw_magic
GW_SELFTEST     := $(GW_DIR)/selftest.sh

GW_BPF_CFLAGS    = $(BPF_CFLAGS) -I$(GW_DIR)
GW_USER_CFLAGS   = $(BPF_USER_CFLAGS) -I$(GW_BUILD) -I$(GW_DIR)

.PHONY: gateway gateway-selftest gateway-lint gateway-format
.SECONDARY: $(GW_OBJ)

gateway: $(GW_BINS) $(GW_TEST_BINS)

$(GW_OBJ): $(GW_DIR)/gw_magic.bpf.c $(GW_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(GW_BPF_CFLAGS) -c $< -o $@

$(GW_SKEL): $(GW_OBJ)
	$(BPFTOOL) gen skeleton $< name gw_magic_bpf > $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/nsping-testgw: $(GW_DIR)/nsping-testgw.c $(GW_SKEL) $(GW_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GW_USER_CFLAGS) $(LDFLAGS) -o $@ $< $(BPF_USER_LDLIBS)

$(BUILD)/tests/test_gw_magic: $(GW_DIR)/test_gw_magic.c $(GW_SKEL) $(GW_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GW_USER_CFLAGS) $(LDFLAGS) -o $@ $< $(BPF_USER_LDLIBS) -lcmocka

gateway-selftest: $(GW_BINS)
	@$(GW_SELFTEST)

gateway-lint: $(GW_SKEL)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability,style \
		--inline-suppr --suppress=missingIncludeSystem -D__x86_64__ \
		-D__BYTE_ORDER__=1234 -D__ORDER_LITTLE_ENDIAN__=1234 -D__ORDER_BIG_ENDIAN__=4321 \
		-I/usr/include -I/usr/include/$(shell gcc -dumpmachine) -Ibpf -I$(GW_DIR) \
		-I$(GW_BUILD) $(GW_DIR)
	$(if $(shell command -v shellcheck),shellcheck -x,bash -n) $(GW_SELFTEST) $(GW_DIR)/gateway.t.sh
	python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' $(GW_DIR)/probe.py

gateway-format:
	clang-format -i $(GW_DIR)/*.c $(GW_DIR)/*.h

.DEFAULT_GOAL := $(GW_SAVED_GOAL)
