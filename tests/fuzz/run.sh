#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The libFuzzer harnesses of tests/fuzz/ (README.md there).
#
#   run.sh fuzz  DIR SECONDS [NAME...]  each harness (DIR/fuzz_NAME) for SECONDS,
#                                       on its working corpus DIR/corpus/NAME
#                                       (seeded from the tree); crashes go to
#                                       DIR/artifacts/; one line of numbers each
#   run.sh check DIR SECONDS            make check: each harness replays its seeds
#                                       and regressions, then fuzzes SECONDS
#   run.sh cov   DIR                    line coverage (llvm-cov) of the seeds and
#                                       of the working corpus, with the coverage
#                                       build (make fuzz-cov)
# Each prints "ok NAME ..." or "FAIL NAME: ...", then "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

NAMES=(config reply nl workerstate runstate)
# seeds NAME: the directories of the tree that seed the harness
seeds() {
	case $1 in
	config) echo examples tests/configs/good tests/configs/bad ;;
	*) echo "tests/fuzz/corpus/$1" ;;
	esac
}
# sources NAME: the files its line coverage is reported on
sources() {
	case $1 in
	config) echo common/config.c common/addr.c ;;
	reply) echo worker/probe.c ;;
	nl) echo reconciler/nl.c ;;
	workerstate) echo common/workerstate.c ;;
	runstate) echo reconciler/runstate.c ;;
	esac
}
# targets NAME: a regex of the functions of those files that its input can
# reach (the rest read files, open sockets, send requests or format)
targets() {
	case $1 in
	config) echo '^(nsp_config_load_string|nsp_config_free|nsp_ping_text|nsp_program_name|config\.c:(report|load|check_.*|member|join|line_of|type_name|load_.*|get_.*|valid_.*|ipv4_is_host|lookup_enum|report_clash)|nsp_mac_parse|nsp_mac_is_unicast|nsp_ipv4_parse|nsp_prefix_parse|nsp_ifname_valid|addr\.c:hexval)$' ;;
	reply) echo '^(nsp_probe_build|nsp_reply_parse|nsp_reply_kind_name|nsp_csum_add|nsp_csum_finish|probe\.c:.*)$' ;;
	nl) echo '^(nsp_nl_answer_parse|nl\.c:(answer_walk|on_link|obs_link_parse|u32_attr|xdp_parse|inet_conf_parse|append|on_addr|on_route|on_neigh|binary_addr|nl_to_errno))$' ;;
	workerstate) echo '^(nsp_workerstate_parse|nsp_workerstate_format|workerstate\.c:(number_of|line_of))$' ;;
	runstate) echo '^nsp_runstate_parse$' ;;
	esac
}
# options NAME: libFuzzer options of the fuzzing runs. fuzz_config: libconfig
# 1.5 leaks the string it was scanning on a syntax error inside it (the
# harness suppresses the report); libFuzzer would run a leak check after
# every such input, 1000 times (tens of ms each: 226 execs/s over a 30 s run,
# 4500 without) and then stop checking anyway. Its replays check leaks.
options() {
	case $1 in
	config) echo -detect_leaks=0 -dict=tests/fuzz/config.dict ;;
	esac
}
# an input that takes 5 s is a failure (a loop), not a hang of make check
COMMON=(-timeout=5 -rss_limit_mb=2048 -print_final_stats=1)

passed=0 failed=0
ok() { passed=$((passed + 1)) && echo "ok $*"; }
FAIL() { failed=$((failed + 1)) && echo "FAIL $*"; }
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# files NAME: every seed and regression input of the harness, one per line
files() {
	local d
	for d in $(seeds "$1") "tests/fuzz/regressions/$1"; do
		[ -d "$d" ] && find "$d" -type f ! -name README.md
	done | sort
}

# stats LOG: the numbers of a libFuzzer run's log
stats() {
	local runs eps cov ft corp
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$1")
	cov=$(grep -oE '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$1" | tail -n 1 |
		sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)/\1 \2 \3/')
	read -r cov ft corp <<<"$cov"
	echo "${runs:-?} execs (${eps:-?}/s), cov ${cov:-?} edges, ft ${ft:-?}, corpus ${corp:-?}"
}

# fuzz_one NAME BIN SECONDS CORPUS ARTIFACTS: fuzzes, reports
fuzz_one() {
	local name=$1 bin=$2 secs=$3 corpus=$4 art=$5 log rc
	log=$(mktemp)
	mkdir -p "$corpus" "$art"
	# shellcheck disable=SC2046
	"$bin" "${COMMON[@]}" $(options "$name") -max_total_time="$secs" \
		-artifact_prefix="$art/$name-" "$corpus" $(for d in $(seeds "$name"); do [ -d "$d" ] && echo "$d"; done) \
		>"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "fuzz_$name ${secs}s: $(stats "$log")"
	else
		FAIL "fuzz_$name ${secs}s: exit $rc: $(grep -m 1 -E 'ERROR|runtime error|deadly signal|timeout' "$log" | head -c 300)"
		grep -E 'Test unit written|^    #[0-9] ' "$log" | head -n 12 | sed 's/^/    | /'
	fi
	rm -f "$log"
}

# replay NAME BIN: every seed and regression once; a report fails it
replay() {
	local name=$1 bin=$2 log rc n
	mapfile -t inputs < <(files "$name")
	n=${#inputs[@]}
	if [ "$n" -eq 0 ]; then
		FAIL "fuzz_$name replay: no seed at all"
		return
	fi
	log=$(mktemp)
	"$bin" -timeout=5 "${inputs[@]}" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(grep -c '^Executed ' "$log")" -eq "$n" ]; then
		ok "fuzz_$name replay: $n inputs"
	else
		FAIL "fuzz_$name replay: exit $rc: $(grep -m 1 -E 'Running: |ERROR|runtime error' "$log" | head -c 300)"
		grep -E 'ERROR|runtime error|^    #[0-9] |Running: ' "$log" | tail -n 12 | sed 's/^/    | /'
	fi
	rm -f "$log"
}

mode=${1:-} dir=${2:-}
case $mode in
fuzz | check)
	secs=${3:-}
	[ -n "$dir" ] && [[ $secs =~ ^[0-9]+$ ]] || {
		echo "usage: tests/fuzz/run.sh fuzz|check DIR SECONDS [NAME...]" >&2
		exit 64
	}
	names=("${@:4}")
	[ ${#names[@]} -gt 0 ] || names=("${NAMES[@]}")
	for n in "${names[@]}"; do
		bin=$dir/fuzz_$n
		if [ ! -x "$bin" ]; then
			FAIL "fuzz_$n: $bin not built (make fuzz-bins)"
			continue
		fi
		if [ "$mode" = check ]; then
			replay "$n" "$bin"
			tmp=$(mktemp -d)
			fuzz_one "$n" "$bin" "$secs" "$tmp/corpus" "$dir/artifacts"
			rm -rf "$tmp"
		else
			fuzz_one "$n" "$bin" "$secs" "$dir/corpus/$n" "$dir/artifacts"
		fi
	done
	;;
cov)
	[ -n "$dir" ] || { echo "usage: tests/fuzz/run.sh cov DIR" >&2 && exit 64; }
	work=${dir%-cov}
	for n in "${NAMES[@]}"; do
		bin=$dir/fuzz_$n prof=$dir/prof/$n
		rm -rf "$prof" && mkdir -p "$prof"
		mapfile -t inputs < <(files "$n"; [ -d "$work/corpus/$n" ] && find "$work/corpus/$n" -type f)
		if ! LLVM_PROFILE_FILE="$prof/%p.profraw" "$bin" "${inputs[@]}" >"$prof/log" 2>&1; then
			FAIL "fuzz_$n coverage: the replay failed ($prof/log)"
			continue
		fi
		llvm-profdata merge -sparse -o "$prof/merged.profdata" "$prof"/*.profraw
		# lines of the reachable functions, then of the whole files
		# shellcheck disable=SC2046
		lines=$(llvm-cov report "$bin" -instr-profile="$prof/merged.profdata" -show-functions \
			$(sources "$n") | awk -v re="$(targets "$n")" '
			$1 != "TOTAL" && $1 ~ re && NF >= 7 && $5 ~ /^[0-9]+$/ { fl += $5; fm += $6 }
			$1 == "TOTAL" { tl += $5; tm += $6 }
			END { printf "%d of %d lines of its functions (%.1f%%), %d of %d of its files (%.1f%%)",
				fl - fm, fl, 100 * (fl - fm) / fl, tl - tm, tl, 100 * (tl - tm) / tl }')
		ok "fuzz_$n: ${#inputs[@]} inputs: $lines"
	done
	;;
*)
	echo "usage: tests/fuzz/run.sh fuzz|check|cov DIR [SECONDS [NAME...]]" >&2
	exit 64
	;;
esac
summary
