#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# update-headers.sh [--check] LINUX HDR
#
# Copy the kernel headers the helper builds with from the patched tree, as
# kvmtool's util/update_headers.sh and QEMU's linux-headers/ do:
#   include/uapi/  the uAPI headers KVM_RESET_VM needs that Debian 12's
#                  linux-libc-dev lacks, from HDR (LINUX's `make headers`
#                  output, its usr/include);
#   tests/kselftest/  the kselftest harness the unit tests print TAP with,
#                  from LINUX/tools/testing/selftests, unmodified.
# --check compares instead of copying and fails if a copy is stale.
set -euo pipefail

UAPI="linux/kvm.h linux/const.h linux/bits.h asm/kvm.h"
KSELFTEST="kselftest.h kselftest_harness.h"

usage() {
	echo "usage: $0 [--check] LINUX HDR" >&2
	exit 2
}

check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# = 2 ] || usage
linux=$1 hdr=$2
here=$(cd "$(dirname "$0")/.." && pwd)
stale=0

# update SRC DST: copy SRC over DST, or with --check compare them.
update() {
	if [ -z "$check" ]; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
	elif ! cmp -s "$1" "$2"; then
		echo "stale: ${2#"$here"/} differs from $1" >&2
		stale=1
	fi
}

for h in $UAPI; do
	update "$hdr/$h" "$here/include/uapi/$h"
done
for h in $KSELFTEST; do
	update "$linux/tools/testing/selftests/$h" "$here/tests/kselftest/$h"
done
if [ -n "$check" ]; then
	[ "$stale" = 0 ] || { echo "run $0 $linux $hdr" >&2; exit 1; }
	echo "ok vendored headers: equal to $linux and $hdr"
fi
