#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages that the build, the tests, the demo and the bench
# need; apt-get runs only when one is missing.
set -euo pipefail
pkgs=(build-essential pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
      libnl-3-dev libnl-route-3-dev libconfig-dev libcmocka-dev iproute2 iptables
      ethtool hping3 jq strace python3 python3-jsonschema curl
      debhelper dpkg-dev lintian bash-completion
      ansible-core yamllint pylint pycodestyle python3-voluptuous python3-venv git)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
