# SPDX-License-Identifier: GPL-2.0-only
# Test tools. Included by the top-level Makefile (-include tests/tools/tools.mk);
# also usable alone: make -f tests/tools/tools.mk build/tests/cfg2json
#   build/tests/cfg2json   libconfig -> JSON, used by tests/schema/run.sh

TOOLS_BINS   := build/tests/cfg2json
TOOLS_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		$(shell pkg-config --cflags libconfig 2>/dev/null)
TOOLS_LDLIBS := $(or $(shell pkg-config --libs libconfig 2>/dev/null),-lconfig) -lm

build/tests/cfg2json: tests/tools/cfg2json.c
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_LDLIBS)
