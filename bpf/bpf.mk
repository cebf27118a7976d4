# SPDX-License-Identifier: GPL-2.0-only
# BPF objects, their skeletons, the BPF unit tests and the XDP benchmark.
# Included by the top-level Makefile (-include bpf/bpf.mk); uses its BUILD,
# CLANG, BPFTOOL, CC and CFLAGS.
#
#   $(BUILD)/bpf/NAME.bpf.o      clang -target bpf, with BTF
#   $(BUILD)/bpf/NAME.skel.h     bpftool gen skeleton; struct NAME_bpf
#   BPF_SKELS                    every product skeleton
#   BPF_TEST_BINS                cmocka tests (test_bpf_xdp_prog needs root)
#   BPF_BENCH_BINS               bench_xdp (root), with rx_ping of BENCH_BASE_REV beside
#                                today's (git archive: needs the repository)

BPF_PROGS        := tx_ping rx_ping tx_ping_tc rx_ping_tc xdp_pass tc_pass txloss
BPF_OBJS         := $(BPF_PROGS:%=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS        := $(BPF_PROGS:%=$(BUILD)/bpf/%.skel.h)
BPF_HDRS         := $(wildcard bpf/*.h)
BPF_TARGET_ARCH  ?= x86
# -mcpu=v3: 32-bit compares and jumps with either operand an immediate (kernel
# 5.1+). clang 14 defaults to v1, which loads a constant into a register for
# every "imm > reg" test and widens byte compares; on rx_ping's path for a
# frame it passes that is a few instructions per packet of the node (bench/).
BPF_CFLAGS       := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_TARGET_ARCH) \
		    -I/usr/include/$(shell gcc -dumpmachine) -Ibpf -Wall -Wextra -Werror

# Test-only BPF: packet sinks that record what reaches the far end of a veth.
BPF_TEST_OBJS    := $(BUILD)/tests/bpf/sink.bpf.o
BPF_TEST_SKELS   := $(BUILD)/tests/bpf/sink.skel.h

BPF_TEST_BINS    := $(BUILD)/tests/test_bpf_parse $(BUILD)/tests/test_bpf_xdp_prog
BPF_BENCH_BINS   := $(BUILD)/bench/bench_xdp

BPF_USER_CFLAGS   = $(ALL_CFLAGS) -I$(BUILD)/tests/bpf
BPF_USER_LDLIBS  := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf)

# The objects are intermediates of the skeletons; keep them.
.SECONDARY: $(BPF_OBJS) $(BPF_TEST_OBJS)

# bpf.mk too: a change of BPF_CFLAGS must rebuild the objects it shaped.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) bpf/bpf.mk
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(BPF_HDRS) bpf/bpf.mk
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

%.skel.h: %.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/test_bpf_parse: tests/bpf/test_parse.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BPF_USER_CFLAGS) $(LDFLAGS) -o $@ $< -lcmocka

$(BUILD)/tests/test_bpf_xdp_prog: tests/bpf/test_xdp_prog.c $(BPF_SKELS) $(BPF_TEST_SKELS) $(BPF_HDRS)
	@mkdir -p $(@D)
	$(CC) $(BPF_USER_CFLAGS) $(LDFLAGS) -o $@ $< $(BPF_USER_LDLIBS) -lcmocka

# bench_xdp's base: rx_ping as main had it before nsping monitor, from the
# repository's history (the bench compares the datapath's cost across it).
BENCH_BASE_REV   ?= 260e8d0
BENCH_BASE_DIR   := $(BUILD)/bench-base/$(BENCH_BASE_REV)

$(BENCH_BASE_DIR)/bpf/rx_ping.bpf.c:
	@rm -rf $(BENCH_BASE_DIR) && mkdir -p $(BENCH_BASE_DIR)
	git archive $(BENCH_BASE_REV) bpf | tar -x -C $(BENCH_BASE_DIR)

# outside build/bench/, whose every executable bench/run.sh runs
$(BUILD)/bench-base/rx_ping_base.bpf.o: $(BENCH_BASE_DIR)/bpf/rx_ping.bpf.c bpf/bpf.mk
	$(CLANG) $(subst -Ibpf,-I$(BENCH_BASE_DIR)/bpf,$(BPF_CFLAGS)) -c $< -o $@

.SECONDARY: $(BUILD)/bench-base/rx_ping_base.bpf.o

$(BUILD)/bench/bench_xdp: tests/bpf/bench_xdp.c $(BPF_SKELS) $(BPF_HDRS) \
			  $(BUILD)/bench-base/rx_ping_base.skel.h
	@mkdir -p $(@D)
	$(CC) $(BPF_USER_CFLAGS) -I$(BUILD)/bench-base $(LDFLAGS) -o $@ $< $(BPF_USER_LDLIBS)
