#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Keeps the machine-readable configuration rules (schema/nsping.conf.schema.json,
# tests/schema/cross_check.py) and the C validator (nsping validate) in step,
# over the same files:
#   examples/*.conf, tests/configs/good/*.conf  must be accepted;
#   tests/configs/bad/*.conf                    must be rejected, at the line
#                                               and KEY of their header;
#   tests/schema/plan/{ok,bad}-*.json           plan/apply --json samples for
#                                               schema/plan.schema.json.
# A bad file's header:
#   # expect-line: N        line of the offending setting (missing key: its group)
#   # expect-key: KEY       DESIGN.md's key path, or "syntax"
#   # why: ...
#   # schema-key: KEY       optional: the key the schema reports, when it differs
#   # schema: n/a (...)     optional: a rule JSON Schema can't express; then the
#                           schema must accept the file and cross_check.py must
#                           reject it with KEY.
# Schema side: cfg2json FILE | check_json.py (a syntax error must make cfg2json
# exit 65 with FILE:LINE: syntax:). Validator side (build/nsping or $NSPING; a
# missing binary fails the suite): nsping -c FILE validate exits 0 for good
# files; for bad ones exits 65 with a line "FILE:LINE: KEY: ..." on stderr, and
# every stderr line in that form. An empty part of the corpus fails too.
# Prints one line per failure, then "N passed, N failed"; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

PY=/usr/bin/python3
CFG2JSON=${CFG2JSON:-build/tests/cfg2json}
NSPING=${NSPING:-build/nsping}
SCHEMA=schema/nsping.conf.schema.json
PLAN_SCHEMA=schema/plan.schema.json
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }

if [ ! -x "$CFG2JSON" ] || [ tests/tools/cfg2json.c -nt "$CFG2JSON" ]; then
	make --no-print-directory -s -f tests/tools/tools.mk "$CFG2JSON" >"$TMP/build" 2>&1 ||
		{ cat "$TMP/build"; echo "cannot build $CFG2JSON"; echo "0 passed, 1 failed"; exit 1; }
fi
# Without the binary half of every check cannot run: that fails the suite.
have_nsping=false
if [ -x "$NSPING" ]; then
	have_nsping=true
else
	fail "$NSPING" "not built (make): the validator side cannot run"
fi

# Every part of the corpus has files: an empty glob would check nothing.
for g in 'examples/*.conf' 'tests/configs/good/*.conf' 'tests/configs/bad/*.conf' \
	'tests/schema/plan/ok-*.json' 'tests/schema/plan/bad-*.json'; do
	compgen -G "$g" >/dev/null || fail "$g" "no such file: the corpus moved?"
done

# The schemas themselves: valid, and every configuration property documented.
if out=$("$PY" - "$SCHEMA" "$PLAN_SCHEMA" 2>&1 <<'PYEOF'
import json, sys
import jsonschema
bad = []
for path in sys.argv[1:]:
    s = json.load(open(path))
    jsonschema.Draft202012Validator.check_schema(s)
conf = json.load(open(sys.argv[1]))
def walk(node, where):
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            req = set(node.get("required", []))
            for k, p in props.items():
                w = f"{where}.{k}"
                if "description" not in p:
                    bad.append(f"{w}: no description")
                if k not in req and "default" not in p and "x-default-from" not in p:
                    bad.append(f"{w}: optional without default")
        for k, v in node.items():
            if k not in ("contains", "not"):  # matchers, not settings
                walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}/{i}")
walk(conf, "#")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
); then pass; else fail "$SCHEMA" "$(echo "$out" | tr '\n' ';')"; fi

header() { sed -n "s/^# $1: *//p" "$2" | head -n1; }

# plan/apply --json samples: ok-*.json valid, bad-*.json (one defect each) not.
for f in tests/schema/plan/*.json; do
	[ -e "$f" ] || continue
	"$PY" tests/schema/check_json.py "$PLAN_SCHEMA" "$f" >/dev/null 2>"$TMP/e"
	rc=$?
	case "$(basename "$f")" in
	ok-*) if [ "$rc" -eq 0 ]; then pass; else fail "$f" "plan schema rejects it: $(head -n1 "$TMP/e")"; fi ;;
	*) if [ "$rc" -eq 1 ]; then pass; else fail "$f" "plan schema: exit $rc, expected 1"; fi ;;
	esac
done


for f in examples/*.conf tests/configs/good/*.conf; do
	[ -e "$f" ] || continue
	# schema side
	if ! "$CFG2JSON" "$f" >"$TMP/j" 2>"$TMP/e"; then
		fail "$f" "cfg2json: $(head -n1 "$TMP/e")"
	elif ! "$PY" tests/schema/check_json.py "$SCHEMA" "$TMP/j" 2>"$TMP/e"; then
		fail "$f" "schema rejects a valid file: $(head -n1 "$TMP/e")"
	elif ! "$PY" tests/schema/cross_check.py "$TMP/j" 2>"$TMP/e"; then
		fail "$f" "cross_check rejects a valid file: $(head -n1 "$TMP/e")"
	else
		pass
	fi
	# validator side
	if $have_nsping; then
		"$NSPING" -c "$f" validate >/dev/null 2>"$TMP/e"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			fail "$f" "nsping validate exits $rc: $(head -n1 "$TMP/e")"
		else
			pass
		fi
	fi
done

for f in tests/configs/bad/*.conf; do
	[ -e "$f" ] || continue
	line=$(header expect-line "$f")
	key=$(header expect-key "$f")
	skey=$(header schema-key "$f")
	na=$(grep -c '^# schema: n/a' "$f")
	if [ -z "$line" ] || [ -z "$key" ] || ! grep -q '^# why: ' "$f"; then
		fail "$f" "header lacks expect-line, expect-key or why"
		continue
	fi
	# schema side
	"$CFG2JSON" "$f" >"$TMP/j" 2>"$TMP/e"
	rc=$?
	if [ "$key" = syntax ]; then
		if [ "$rc" -ne 65 ]; then
			fail "$f" "cfg2json exits $rc, expected 65 for a syntax error"
		elif ! grep -q "^$f:$line: syntax: " "$TMP/e"; then
			fail "$f" "cfg2json: expected '$f:$line: syntax:', got: $(head -n1 "$TMP/e")"
		else
			pass
		fi
	elif [ "$rc" -ne 0 ]; then
		fail "$f" "cfg2json exits $rc: $(head -n1 "$TMP/e")"
	elif [ "$na" -gt 0 ]; then
		if ! "$PY" tests/schema/check_json.py "$SCHEMA" "$TMP/j" 2>"$TMP/e"; then
			fail "$f" "marked 'schema: n/a' but the schema rejects it: $(head -n1 "$TMP/e")"
		elif "$PY" tests/schema/cross_check.py --keys "$TMP/j" >"$TMP/k" 2>/dev/null; then
			fail "$f" "cross_check accepts it"
		elif ! grep -qxF "$key" "$TMP/k"; then
			fail "$f" "cross_check rejects it at $(tr '\n' ' ' <"$TMP/k")but not at $key"
		else
			pass
		fi
	else
		"$PY" tests/schema/check_json.py --keys "$SCHEMA" "$TMP/j" >"$TMP/k" 2>"$TMP/e"
		rc=$?
		want=${skey:-$key}
		if [ "$rc" -eq 0 ]; then
			fail "$f" "the schema accepts it"
		elif [ "$rc" -ne 1 ]; then
			fail "$f" "check_json.py exits $rc: $(head -n1 "$TMP/e")"
		elif ! grep -qxF "$want" "$TMP/k"; then
			fail "$f" "the schema rejects it at $(sort -u "$TMP/k" | tr '\n' ' ')but not at $want"
		else
			pass
		fi
	fi
	# validator side
	if $have_nsping; then
		"$NSPING" -c "$f" validate >/dev/null 2>"$TMP/e"
		rc=$?
		if [ "$rc" -ne 65 ]; then
			fail "$f" "nsping validate exits $rc, expected 65"
		elif ! grep -qF "$f:$line: $key: " "$TMP/e"; then
			fail "$f" "nsping validate: expected '$f:$line: $key: ...', got: $(head -n2 "$TMP/e" | tr '\n' '|')"
		elif grep -qvE "^$f:[0-9]+: [^ ]+: " "$TMP/e"; then
			fail "$f" "nsping validate: a stderr line is not 'FILE:LINE: KEY: message': $(grep -vE "^$f:[0-9]+: [^ ]+: " "$TMP/e" | head -n1)"
		else
			pass
		fi
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
