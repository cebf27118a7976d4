#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ansible-test sanity on the nsping module, offline, with Debian's ansible-core.
# ansible-test only tests a collection, so the module is copied into a
# throw-away one (ansible_collections/nsping/nsping, a git repository so that
# ansible-test sees its files) and tested there with --local (no container).
# Most tests run their tool in a virtualenv that ansible-test fills with pinned
# versions from PyPI, which cannot be reached here: when ansible-test asks for
# one, this script makes it itself, with Debian's packages (python3-voluptuous,
# pylint, pycodestyle, yamllint, python3-yaml) through --system-site-packages,
# and marks it done, so ansible-test runs its own checks with those versions.
# The cache lives in a private HOME, so nothing is left in ~/.ansible.
# Prints "ok sanity-TEST" / "FAIL sanity-TEST: why" / "skip sanity-TEST: why" per
# test and ends with "N passed, N failed, N skipped"; exits 1 on a failure.
# Usage: tests/ansible/sanity.sh [TEST...]   (default: every test that runs here)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
pyver=$($py -c 'import sys; print("%d.%d" % sys.version_info[:2])')

tmp=$(mktemp -d /tmp/nsping-sanity.XXXXXX)
trap '[ -n "${SANITY_KEEP:-}" ] || rm -rf "$tmp"' EXIT
col=$tmp/ansible_collections/nsping/nsping
mkdir -p "$col/plugins/modules" "$col/meta" "$col/tests"
cp "$root/ansible/library/nsping.py" "$col/plugins/modules/nsping.py"
# the role too, for yamllint (without its link to the module)
mkdir -p "$col/roles"
cp -r "$root/ansible/roles/nsping" "$col/roles/nsping"
rm -rf "$col/roles/nsping/library"
cat >"$col/galaxy.yml" <<'EOF'
namespace: nsping
name: nsping
version: 0.1.0
readme: README.md
authors: [nsping maintainers]
license: [GPL-2.0-only]
EOF
echo '# nsping.nsping (sanity-test copy)' >"$col/README.md"
printf -- '---\nrequires_ansible: ">=2.14"\n' >"$col/meta/runtime.yml"
# Python 3 only: ansible-test then skips its Python 2 checks.
printf -- '---\nmodules:\n  python_requires: ">=3.9"\n' >"$col/tests/config.yml"
# The project is GPL-2.0-only; validate-modules wants a GPLv3 header.
corever=$($py -c 'from ansible.release import __version__ as v; print(".".join(v.split(".")[:2]))')
mkdir -p "$col/tests/sanity"
echo 'plugins/modules/nsping.py validate-modules:missing-gplv3-license' \
	>"$col/tests/sanity/ignore-$corever.txt"
git -C "$col" init -q && git -C "$col" add -A &&
	git -C "$col" -c user.name=t -c user.email=t@t commit -qm copy || exit 1

# Every test that `ansible-test sanity --list-tests` offers a collection, but
# these three, which have nothing to check in a one-module collection or need
# what Debian 12 lacks; they are reported as skipped:
declare -A skipped=(
	[changelog]="needs antsibull-changelog (PyPI only) and a changelogs/ directory"
	[pslint]="PowerShell only (pwsh, not in Debian); the module is Python"
	[shellcheck]="no shell script in the collection"
)
default_tests=(validate-modules pep8 pylint compile import yamllint ansible-doc
	action-plugin-docs empty-init future-import-boilerplate ignores line-endings
	metaclass-boilerplate no-assert no-basestring no-dict-iteritems
	no-dict-iterkeys no-dict-itervalues no-get-exception no-illegal-filenames
	no-main-display no-smart-quotes no-unicode-literals replace-urlopen
	runtime-metadata shebang symlinks use-argspec-type-path use-compat-six)
tests=("$@")
((${#tests[@]})) || tests=("${default_tests[@]}")

export HOME=$tmp/home
mkdir -p "$HOME"

# sanity_run TEST OUT: ansible-test sanity --test TEST, making each virtualenv
# it asks for (at most 4: import wants two).
sanity_run() {
	local t=$1 out=$2 rc venv i
	for i in 1 2 3 4 5; do
		(cd "$col" && ansible-test sanity --local --python "$pyver" --color no \
			--test "$t") >"$out" 2>&1
		rc=$?
		venv=$(sed -n 's|.*at "\(.*\)/bin/python" does not have pip available.*|\1|p' "$out" | head -1)
		[ $rc -ne 0 ] && [ -n "$venv" ] && [ "$i" -lt 5 ] || return $rc
		rm -rf "$venv"
		# the import test's own venv stays bare: importing a module that
		# Debian happens to have installed must still fail there
		case $venv in
		*/sanity.import.*/*) $py -m venv --without-pip "$venv" ;;
		*) $py -m venv --system-site-packages --without-pip "$venv" ;;
		esac || return 1
		echo true >"$venv/meta.yaml.json" # PyYAML with its C loader
		echo '[]' >"$venv/meta.install.json"
		touch "$venv/marker.txt"
	done
}

pass=0 fail=0 skip=0
if [ $# -eq 0 ]; then
	for t in "${!skipped[@]}"; do
		echo "skip sanity-$t: ${skipped[$t]}"
		skip=$((skip + 1))
	done
fi
for t in "${tests[@]}"; do
	out=$tmp/$t.out
	sanity_run "$t" "$out"
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^Running sanity test \"$t\"" "$out"; then
		echo "ok sanity-$t"
		pass=$((pass + 1))
	else
		why=$(grep -E "ERROR|FATAL" "$out" | head -3 | tr '\n' ' ')
		echo "FAIL sanity-$t: ${why:-exit $rc}"
		sed 's/^/  | /' "$out" >&2
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
