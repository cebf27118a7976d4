#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages that the build, the tests, the demo and the bench
# need; apt-get runs only when one is missing.
set -euo pipefail
# clang-14 and libfuzzer-14-dev: the fuzzers (tests/fuzz/); llvm: llvm-cov for make fuzz-cov
pkgs=(build-essential pkg-config clang clang-14 libfuzzer-14-dev llvm libbpf-dev bpftool
      libelf-dev zlib1g-dev libnl-3-dev libnl-route-3-dev libconfig-dev libmicrohttpd-dev
      libsystemd-dev libcmocka-dev iproute2 iptables
      ethtool hping3 jq strace python3 python3-jsonschema curl iperf3 sockperf
      debhelper dpkg-dev lintian bash-completion
      yamllint pylint pycodestyle python3-voluptuous python3-venv git)
# Without their Recommends: ansible-core's is Debian's whole collection set
# (about 260 MB), of which the tests use nothing (only ansible.builtin);
# prometheus is there for its promtool (tests/metrics), and its Recommends is
# prometheus-node-exporter, another service.
lean=(ansible-core prometheus)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=() missing_lean=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${lean[@]}"; do installed "$p" || missing_lean+=("$p"); done
if ((${#missing[@]} + ${#missing_lean[@]})); then
	echo "deps: installing ${missing[*]} ${missing_lean[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	export DEBIAN_FRONTEND=noninteractive
	((${#missing[@]} == 0)) || $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	((${#missing_lean[@]} == 0)) ||
		$sudo apt-get install -y -qq --no-install-recommends "${missing_lean[@]}" >/dev/null
	# The prometheus package enables its server (and starts it where systemd
	# runs); the tests want promtool alone, so a server installed here is
	# stopped and disabled. One that was installed before is left as it was.
	if [[ " ${missing_lean[*]} " == *" prometheus "* ]]; then
		if [ -d /run/systemd/system ]; then
			$sudo systemctl disable --now prometheus.service >/dev/null 2>&1 || true
		else
			$sudo invoke-rc.d prometheus stop >/dev/null 2>&1 || true
			$sudo update-rc.d prometheus disable >/dev/null 2>&1 || true
		fi
	fi
fi
