#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test gateway on the real kernel: tests/run.sh on gateway.t.sh (see there
# and README.md here). Arguments: test names, or --list. Root; after
# make build/tests/nsping-testgw.
exec "$(dirname "$0")/../run.sh" "$(dirname "$0")" "$@"
