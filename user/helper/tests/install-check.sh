#!/bin/bash
# install-check.sh O KVM_HEADERS: install into a scratch prefix, build a
# program against it with pkg-config (shared and static) and run it; then
# install and uninstall with DESTDIR: nothing may remain.
set -euo pipefail
O=$1 KVM_HEADERS=$2
DEST=$(mktemp -d)
trap 'rm -rf "$DEST"' EXIT
M="make -s O=$O KVM_HEADERS=$KVM_HEADERS"

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
readelf -d "$DEST/prefix/lib/libkvmcocoreset.so.0" | grep -q 'SONAME.*\[libkvmcocoreset.so.0\]'

$M install DESTDIR="$DEST/root" PREFIX=/usr
[ "$(find "$DEST/root" -type f -o -type l | wc -l)" = 7 ]
$M uninstall DESTDIR="$DEST/root" PREFIX=/usr
left=$(find "$DEST/root" -type f -o -type l)
[ -z "$left" ] || { echo "not ok install-check: left behind: $left"; exit 1; }
echo "ok install-check: pkg-config (shared and static), soname, DESTDIR install and uninstall"
