# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer harnesses (tests/fuzz/README.md). Included by the top-level Makefile
# (-include tests/fuzz/fuzz.mk); uses its BUILD, NSP_CFLAGS and LDLIBS.
#
#   $(BUILD)/fuzz/fuzz_NAME     clang -fsanitize=fuzzer,address,undefined, over
#                               the product's own sources built again with clang
#   $(BUILD)/fuzz/nlcapture     records rtnetlink dump answers (capture-nl.sh)
#   make fuzz                   each harness for FUZZ_SECONDS (tests/fuzz/run.sh)
#   make fuzz-cov               line coverage of each harness's corpus (llvm-cov)

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_NAMES    := config reply nl workerstate runstate
FUZZ_BINS     := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
# -fno-sanitize-recover: a UBSan report stops the run like an ASan one does.
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The sources the harnesses reach, one archive: each harness links what it uses.
FUZZ_SRCS     := common/addr.c common/config.c common/diag.c common/filereplace.c common/suggest.c \
		 common/pathcause.c common/workerstate.c reconciler/nl.c reconciler/runstate.c \
		 worker/probe.c
FUZZ_INC       = -Icommon -Ireconciler -Iworker

# make fuzz: the fuzzing build (sanitizers, -fsanitize=fuzzer); make fuzz-cov:
# the same sources with clang's source coverage instead, to count lines.
FUZZ_VARIANT_FLAGS_fuzz := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_VARIANT_LINK_fuzz  := -fsanitize=fuzzer
FUZZ_VARIANT_FLAGS_fuzz-cov := -O0 -g -fprofile-instr-generate -fcoverage-mapping \
			   -fsanitize=fuzzer-no-link
FUZZ_VARIANT_LINK_fuzz-cov := -fsanitize=fuzzer -fprofile-instr-generate

.PHONY: fuzz fuzz-bins fuzz-cov
.SECONDARY: $(FUZZ_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) $(FUZZ_SRCS:%.c=$(BUILD)/fuzz-cov/obj/%.o)

fuzz-bins: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh fuzz $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ)

fuzz-cov: $(FUZZ_NAMES:%=$(BUILD)/fuzz-cov/fuzz_%)
	@tests/fuzz/run.sh cov $(BUILD)/fuzz-cov

# $(BUILD)/fuzz/... and $(BUILD)/fuzz-cov/...: the same rules, two variants.
define FUZZ_VARIANT
$(BUILD)/$(1)/obj/%.o: %.c $$(wildcard common/*.h reconciler/*.h worker/*.h) \
		tests/fuzz/fuzz.mk Makefile
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(NSP_CFLAGS) $$(FUZZ_INC) $$(FUZZ_VARIANT_FLAGS_$(1)) -c -o $$@ $$<

$(BUILD)/$(1)/libnsping.a: $$(FUZZ_SRCS:%.c=$(BUILD)/$(1)/obj/%.o)
	@rm -f $$@
	ar rcs $$@ $$^

$(BUILD)/$(1)/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/$(1)/libnsping.a
	$$(FUZZ_CC) $$(NSP_CFLAGS) $$(FUZZ_INC) $$(FUZZ_VARIANT_FLAGS_$(1)) \
		$$(FUZZ_VARIANT_LINK_$(1)) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call FUZZ_VARIANT,fuzz))
$(eval $(call FUZZ_VARIANT,fuzz-cov))

$(BUILD)/fuzz/nlcapture: tests/fuzz/nlcapture.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -o $@ $<
