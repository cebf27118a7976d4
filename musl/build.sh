#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# musl/build.sh DIR: builds the libraries that build/nsping links, as static
# archives against musl, into DIR (DIR/include, DIR/lib), from Debian's own
# source packages with Debian's patches applied: libbpf, libnl3 (libnl-3 and
# libnl-route-3), libconfig, elfutils (libelf only) and zlib, in the versions
# of the distribution that the -dev packages came from. musl/README.md says
# why build/nsping is linked against musl.
#
# The sources come through apt-get with a private deb-src list made from the
# system's Debian entries, in DIR's own apt state: the system's apt
# configuration is not changed. apt-get checks every file against the signed
# index. Needs musl-tools, dpkg-dev, flex and bison (make deps installs them).
# The result appears at DIR only when everything built (DIR.tmp until then),
# and DIR/versions lists what went in.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: musl/build.sh DIR" >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
dest=$(realpath -m "$1")
work=$dest.tmp
jobs=$(nproc 2>/dev/null || echo 2)

for tool in musl-gcc apt-get dpkg-source flex bison make ar; do
	command -v "$tool" >/dev/null || { echo "musl/build.sh: $tool not installed (make deps)" >&2; exit 1; }
done

rm -rf "$work"
mkdir -p "$work"/{apt/lists/partial,apt/archives/partial,src,include,lib}
log=$work/build.log
step() { echo "  musl: $*"; }
fail() {
	echo "musl/build.sh: $1 failed; the last lines of $log:" >&2
	tail -20 "$log" >&2
	exit 1
}

# deb-src entries for the system's Debian archives (deb822 .sources files and
# one-line .list files alike), nothing else: a third-party repository may
# publish no sources.
sources=$work/apt/sources.list
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^deb \(.*debian\.org.*\)$/deb-src \1/p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v RS= '/URIs:[^\n]*debian\.org/ {
			uris = suites = comps = ""
			n = split($0, line, "\n")
			for (i = 1; i <= n; i++) {
				if (line[i] ~ /^URIs:/) uris = substr(line[i], 6)
				if (line[i] ~ /^Suites:/) suites = substr(line[i], 8)
				if (line[i] ~ /^Components:/) comps = substr(line[i], 12)
			}
			ns = split(suites, s, " ")
			nu = split(uris, u, " ")
			for (j = 1; j <= nu; j++)
				for (k = 1; k <= ns; k++)
					print "deb-src", u[j], s[k], comps
		}' "$f"
	done
} >"$sources"
[ -s "$sources" ] || { echo "musl/build.sh: no Debian archive in /etc/apt" >&2; exit 1; }

apt=(apt-get -q -o Dir::Etc::SourceList="$sources" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache::Archives="$work/apt/archives"
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
step "fetching Debian's sources"
"${apt[@]}" update >>"$log" 2>&1 || fail "apt-get update of the deb-src list"
(cd "$work/src" && "${apt[@]}" source --download-only libbpf libnl3 libconfig elfutils zlib) \
	>>"$log" 2>&1 || fail "apt-get source"
for dsc in "$work"/src/*.dsc; do
	name=$(basename "$dsc" .dsc)
	dpkg-source --no-check -x "$dsc" "$work/src/${name%%_*}" >>"$log" 2>&1 ||
		fail "unpacking $name"
	echo "$name" >>"$work/versions"
done
# Debian's patches touch some Makefile.am files; their generated files get one
# common time so that make does not try to rerun the autotools.
now=$(date +%s)
find "$work/src" \( -name configure -o -name Makefile.in -o -name aclocal.m4 \
	-o -name 'config.h.in' \) -exec touch -d "@$now" {} +

# musl ships no kernel headers; the system's UAPI headers (linux-libc-dev)
# serve both C libraries.
ln -s /usr/include/linux "$work/include/linux"
ln -s /usr/include/asm-generic "$work/include/asm-generic"
ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$work/include/asm"

export CC=musl-gcc
cflags="-O2 -g -I$work/include"

step "zlib"
(cd "$work/src/zlib" && CFLAGS="$cflags" ./configure --static --prefix="$work" &&
	make -j"$jobs" libz.a && make install) >>"$log" 2>&1 || fail "zlib"

# elfutils' configure insists on argp, fts and obstack, which musl lacks and
# only its tools use: libelf's own sources are compiled directly instead.
step "libelf"
(
	cd "$work/src/elfutils/libelf"
	srcs=$(sed -n '/^libelf_a_SOURCES/,/^$/p' Makefile.am | tr -d '\\' | sed 's/^libelf_a_SOURCES =//')
	mkdir -p "$work/obj/libelf"
	cp "$here/elfutils-config.h" "$work/obj/libelf/config.h"
	for s in $srcs; do
		$CC $cflags -std=gnu11 -D_GNU_SOURCE -DHAVE_CONFIG_H -I"$work/obj/libelf" -I. -I.. -I../lib \
			-c "$s" -o "$work/obj/libelf/${s%.c}.o" || exit 1
	done
	ar rcs "$work/lib/libelf.a" "$work"/obj/libelf/*.o
	cp libelf.h gelf.h nlist.h "$work/include/"
) >>"$log" 2>&1 || fail "libelf"

step "libconfig"
(cd "$work/src/libconfig" && CFLAGS="$cflags" ./configure --prefix="$work" --disable-shared \
	--enable-static --disable-cxx --disable-examples &&
	make -j"$jobs" -C lib && make -C lib install) >>"$log" 2>&1 || fail "libconfig"

# pkgsysconfdir as Debian's own patch sets it (libnl-route's classid file).
step "libnl-3, libnl-route-3"
(cd "$work/src/libnl3" && CFLAGS="$cflags" ./configure --prefix="$work" --disable-shared \
	--enable-static --disable-cli --disable-debug --sysconfdir=/etc &&
	make -j"$jobs" pkgsysconfdir=/etc/libnl-3 lib/libnl-3.la lib/libnl-route-3.la &&
	cp lib/.libs/libnl-3.a lib/.libs/libnl-route-3.a "$work/lib/" &&
	mkdir -p "$work/include/libnl3" && cp -r include/netlink "$work/include/libnl3/") \
	>>"$log" 2>&1 || fail "libnl"

# The UAPI <linux/limits.h> and musl's <limits.h> both define NGROUPS_MAX;
# libbpf builds with -Werror, so that warning stays a warning.
step "libbpf"
mkdir -p "$work/obj/libbpf"
make -C "$work/src/libbpf/src" -j"$jobs" BUILD_STATIC_ONLY=y OBJDIR="$work/obj/libbpf" \
	EXTRA_CFLAGS="$cflags -Wno-error" PREFIX="$work" LIBDIR="$work/lib" \
	install >>"$log" 2>&1 || fail "libbpf"

rm -rf "$work/apt" "$work/src" "$work/obj"
rm -rf "$dest"
mv "$work" "$dest"
echo "  musl: static libraries in $dest ($(tr '\n' ' ' <"$dest/versions"))"
