#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The contract suite: tests/run.sh on this directory (see there). Arguments:
# test names (with or without test_), or --list.
exec "$(dirname "$0")/../../run.sh" "$(dirname "$0")" "$@"
