#!/bin/bash
# Install the host packages the build and the test host need (apt only).
# QEMU comes from bookworm-backports: bookworm's QEMU 7.2 oopses Debian's
# 7.3 kernel under TCG with -smp 2 in most boots; 10.0 does not.
. "$(dirname "$0")/lib.sh"

PKGS="make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio kmod
xz-utils busybox-static ccache sparse clang perl patch git rsync
python3 ca-certificates libnl-3-dev pkg-config clang-19 lld-19 llvm-19"
QEMU_PKG="qemu-system-x86/bookworm-backports"
BPO_LIST=/etc/apt/sources.list.d/kvm-coco-reset-bookworm-backports.sources

missing() {
	local p
	for p in $PKGS; do
		dpkg -s "$p" >/dev/null 2>&1 || echo "$p"
	done
	dpkg --compare-versions "$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null || echo 0)" \
		ge 1:10 || echo "$QEMU_PKG"
}

install() {
	local want
	want=$(missing | tr '\n' ' ')
	[ -z "${want// /}" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages: $want (run as root or install them)"
	if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
		printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
			"Suites: bookworm-backports" "Components: main" \
			"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$BPO_LIST"
	fi
	apt-get -q update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends $want
}

step host-deps install
