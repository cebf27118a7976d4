#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# musl/build.sh DIR: builds the libraries that build/nsping links, as static
# archives against musl, into DIR (DIR/include, DIR/lib), from Debian's own
# source packages with Debian's patches applied: libbpf, libnl3 (libnl-3 and
# libnl-route-3), libconfig, elfutils (libelf only) and zlib, in exactly the
# versions of the installed -dev packages, with Debian's compiler flags
# (dpkg-buildflags). musl/README.md says why build/nsping is linked against
# musl.
# musl/build.sh --sources: prints those source versions (NAME_VERSION, one a
# line), as DIR/versions lists them once built; the Makefile rebuilds DIR when
# the two differ (after a Debian update of a -dev package).
#
# The sources come through apt-get with a private deb-src list made from the
# system's Debian entries (or the lines of $NSPING_DEB_SRC), in DIR's own apt
# state: the system's apt configuration is not changed. apt-get checks every
# file against the signed index. Needs musl-tools, dpkg-dev, flex and bison
# (make deps installs them). The result appears at DIR only when everything
# built (DIR.tmp until then); DIR.lock keeps two builds from sharing DIR.tmp.
set -euo pipefail

dev_pkgs=(libbpf-dev libnl-3-dev libnl-route-3-dev libconfig-dev libelf-dev zlib1g-dev)
wanted() { dpkg-query -W -f='${source:Package}=${source:Version}\n' "${dev_pkgs[@]}" | sort -u; }
# Debian names a .dsc NAME_VERSION, without the version's epoch.
wanted_names() { wanted | sed -E 's/=([0-9]+:)?/_/' | LC_ALL=C sort; }

if [ "${1-}" = --sources ]; then
	wanted_names
	exit
fi
[ $# -eq 1 ] || { echo "usage: musl/build.sh DIR | --sources" >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
dest=$(realpath -m "$1")
work=$dest.tmp
jobs=$(nproc 2>/dev/null || echo 2)

for tool in musl-gcc apt-get dpkg-source dpkg-buildflags flex bison make ar; do
	command -v "$tool" >/dev/null || { echo "musl/build.sh: $tool not installed (make deps)" >&2; exit 1; }
done
want=$(wanted) || { echo "musl/build.sh: the -dev packages are not all installed (make deps)" >&2; exit 1; }

mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
# Another make may have built it while this one waited for the lock.
if [ -f "$dest/versions" ] && [ "$dest/versions" -nt "$0" ] &&
	[ "$dest/versions" -nt "$here/elfutils-config.h" ] &&
	[ "$(cat "$dest/versions")" = "$(wanted_names)" ]; then
	touch "$dest/versions"
	exit 0
fi

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
if [ -n "${NSPING_DEB_SRC-}" ]; then
	printf '%s\n' "$NSPING_DEB_SRC" >"$sources"
else
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -n -E 's/^[[:space:]]*deb[[:space:]]+(.*debian\.org.*)$/deb-src \1/p' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			# deb822 stanzas that are enabled, of type deb, on debian.org
			awk -v RS= '{
				uris = suites = comps = types = ""; enabled = 1
				n = split($0, line, "\n")
				for (i = 1; i <= n; i++) {
					split(line[i], kv, ":")
					key = tolower(kv[1]); val = substr(line[i], length(kv[1]) + 2)
					if (key == "uris") uris = val
					if (key == "suites") suites = val
					if (key == "components") comps = val
					if (key == "types") types = " " val " "
					if (key == "enabled" && val ~ /no/) enabled = 0
				}
				if (!enabled || types !~ / deb / || uris !~ /debian\.org/)
					next
				ns = split(suites, s, " ")
				nu = split(uris, u, " ")
				for (j = 1; j <= nu; j++)
					for (k = 1; k <= ns; k++)
						print "deb-src", u[j], s[k], comps
			}' "$f"
		done
	} >"$sources"
fi
[ -s "$sources" ] || {
	echo "musl/build.sh: no Debian archive in /etc/apt; set NSPING_DEB_SRC to deb-src lines," \
		"or build against glibc: make NSPING_LIBC=glibc" >&2
	exit 1
}

apt=(apt-get -q -o Dir::Etc::SourceList="$sources" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache::Archives="$work/apt/archives"
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
step "fetching Debian's sources"
"${apt[@]}" update >>"$log" 2>&1 || fail "apt-get update of the deb-src list"
# shellcheck disable=SC2086 # one NAME=VERSION a word
(cd "$work/src" && "${apt[@]}" source --download-only $want) >>"$log" 2>&1 ||
	fail "apt-get source of ${want//$'\n'/ } (or build against glibc: make NSPING_LIBC=glibc)"
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
	-o -name '*.h.in' \) -exec touch -d "@$now" {} +

# musl ships no kernel headers; the system's UAPI headers (linux-libc-dev)
# serve both C libraries.
ln -s /usr/include/linux "$work/include/linux"
ln -s /usr/include/asm-generic "$work/include/asm-generic"
ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$work/include/asm"

export CC=musl-gcc
# Debian's flags (-O2, -g, -fstack-protector-strong, ...); not its CPPFLAGS:
# musl has no _FORTIFY_SOURCE.
cflags="$(dpkg-buildflags --get CFLAGS) -I$work/include"

step "zlib"
(cd "$work/src/zlib" && CFLAGS="$cflags" ./configure --static --prefix="$work" &&
	make -j"$jobs" libz.a && make install) >>"$log" 2>&1 || fail "zlib"

# elfutils' configure insists on argp, fts and obstack, which musl lacks and
# only its tools use: libelf's own sources are compiled directly instead.
step "libelf"
(
	cd "$work/src/elfutils/libelf" || exit 1
	# shellcheck disable=SC1003 # tr deletes the backslashes of continued lines
	srcs=$(sed -n '/^libelf_a_SOURCES/,/^$/p' Makefile.am | tr -d '\\' | sed 's/^libelf_a_SOURCES =//')
	mkdir -p "$work/obj/libelf" || exit 1
	cp "$here/elfutils-config.h" "$work/obj/libelf/config.h" || exit 1
	for s in $srcs; do
		# shellcheck disable=SC2086 # $cflags: one flag a word
		$CC $cflags -std=gnu11 -D_GNU_SOURCE -DHAVE_CONFIG_H -I"$work/obj/libelf" -I. -I.. -I../lib \
			-c "$s" -o "$work/obj/libelf/${s%.c}.o" || exit 1
	done
	ar rcs "$work/lib/libelf.a" "$work"/obj/libelf/*.o || exit 1
	cp libelf.h gelf.h nlist.h "$work/include/" || exit 1
) >>"$log" 2>&1 || fail "libelf"

step "libconfig"
(cd "$work/src/libconfig" && CFLAGS="$cflags" ./configure --prefix="$work" --disable-shared \
	--enable-static --disable-cxx --disable-examples &&
	make -j"$jobs" -C lib && make -C lib install) >>"$log" 2>&1 || fail "libconfig"

# pkgsysconfdir as Debian's own patch sets it (libnl-route's classid file).
step "libnl-3, libnl-route-3"
(cd "$work/src/libnl3" && CFLAGS="$cflags" ./configure --prefix="$work" --disable-shared \
	--enable-static --disable-cli --sysconfdir=/etc &&
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

LC_ALL=C sort -o "$work/versions" "$work/versions"
rm -rf "$work/apt" "$work/src" "$work/obj"
rm -rf "$dest"
mv "$work" "$dest"
echo "  musl: static libraries in $dest: $(tr '\n' ' ' <"$dest/versions")"
