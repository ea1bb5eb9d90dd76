#!/bin/bash
# install-check.sh O: the shared library exports exactly the symbols of its
# version script, each in its version node, under the full soname scheme;
# install into a scratch prefix, build a program against it with pkg-config
# (shared and static) and run it; then install and uninstall with DESTDIR:
# nothing may remain.
set -euo pipefail
O=$1
# The makes below see only what they are told, not the calling make's flags.
unset MAKEFLAGS MFLAGS MAKELEVEL WERROR
DEST=$(mktemp -d)
trap 'rm -rf "$DEST"' EXIT
M="make -s O=$O"
MAP=lib/libkvmcocoreset.map
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
MAJOR=${VERSION%%.*}

node=$(sed -n 's/^\([A-Z0-9_.]*\) {$/\1/p' "$MAP")
want=$(sed -n 's/^[[:space:]]*\(kcr_[a-z_]*\);$/\1@@'"$node"'/p' "$MAP" | sort)
have=$(nm -D --defined-only "$O/libkvmcocoreset.so.$VERSION" | awk '$2 != "A" { print $3 }' | sort)
if [ -z "$want" ] || [ "$want" != "$have" ]; then
	echo "not ok install-check: exported symbols differ from $MAP:"
	diff <(echo "$want") <(echo "$have") || true
	exit 1
fi

# Warnings are errors only when asked (WERROR=1); LDFLAGS reach every link.
if make -s -n O="$DEST/o" all | grep -- -Werror >/dev/null ||
   ! make -s -n O="$DEST/o" WERROR=1 all | grep -- -Werror >/dev/null; then
	echo "not ok install-check: -Werror must be off by default and on with WERROR=1"
	exit 1
fi
# A build with other flags rebuilds what was built before (make check's
# -Werror must see every file, not only those changed since).
make -s O="$DEST/o" all
rebuilt=$(make O="$DEST/o" WERROR=1 all)
if ! grep -q -- "-Werror.*-c lib/probe.c" <<<"$rebuilt"; then
	echo "not ok install-check: WERROR=1 did not rebuild what a build without it made"
	exit 1
fi
make -s O="$DEST/o" LDFLAGS=-Wl,--defsym=ldflags_seen=1 all static 2>/dev/null
for f in "libkvmcocoreset.so.$VERSION" kvm-coco-reset kvm-coco-reset.static; do
	nm "$DEST/o/$f" | grep ' ldflags_seen$' >/dev/null ||
		{ echo "not ok install-check: LDFLAGS not used for $f"; exit 1; }
done

$M install PREFIX="$DEST/prefix"
export PKG_CONFIG_PATH=$DEST/prefix/lib/pkgconfig
cat >"$DEST/probe.c" <<'C'
#include <stdio.h>
#include <kvmcocoreset.h>
int main(void)
{
	struct kcr_caps caps;
	int r = kcr_probe_host(&caps);

	printf("%s\n", r ? kcr_strerror(r) : kcr_vm_type_name(0));
	return 0;
}
C
# shellcheck disable=SC2046
cc -Wall -Werror "$DEST/probe.c" $(pkg-config --cflags --libs kvmcocoreset) -o "$DEST/probe"
LD_LIBRARY_PATH=$DEST/prefix/lib "$DEST/probe" >/dev/null
# shellcheck disable=SC2046
cc -Wall -Werror -static "$DEST/probe.c" $(pkg-config --static --cflags --libs kvmcocoreset) \
	-o "$DEST/probe-static" 2>/dev/null
"$DEST/probe-static" >/dev/null
readelf -d "$DEST/prefix/lib/libkvmcocoreset.so.$VERSION" |
	grep "SONAME.*\[libkvmcocoreset.so.$MAJOR\]" >/dev/null
[ "$(readlink "$DEST/prefix/lib/libkvmcocoreset.so.$MAJOR")" = "libkvmcocoreset.so.$VERSION" ]
[ "$(readlink "$DEST/prefix/lib/libkvmcocoreset.so")" = "libkvmcocoreset.so.$MAJOR" ]

$M install DESTDIR="$DEST/root" PREFIX=/usr
[ "$(find "$DEST/root" -type f -o -type l | wc -l)" = 8 ]
$M uninstall DESTDIR="$DEST/root" PREFIX=/usr
left=$(find "$DEST/root" -type f -o -type l)
[ -z "$left" ] || { echo "not ok install-check: left behind: $left"; exit 1; }
echo "ok install-check: exported symbols, soname and links, WERROR (and its rebuild), LDFLAGS, pkg-config (shared and static), DESTDIR install and uninstall"
