# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What others can put in nsping's way on the file system (docs/DESIGN.md,
# "Threat model"): a state dir that is a symlink is refused, not written
# through.

test_state_dir_symlink_refused() {
	lab_up
	write_conf 1
	mkdir -p "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/link"
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$T/link" apply >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "apply with a symlinked state dir exited $?, expected 1"
	grep -q "the state dir is a symlink" "$T/err" || fail "stderr: $(cat "$T/err")"
	[ -z "$(ls -A "$T/elsewhere")" ] || fail "written through the symlink: $(ls -A "$T/elsewhere")"
	netns_exists "$PINGNS" && fail "the refused apply created the netns"
	true
}
