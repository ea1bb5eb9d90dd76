#!/bin/bash
# Install the host packages that `make demo` and `make check` use (apt only).
# Supported: Debian 12 (bookworm), amd64.  Everything that is not a host
# tool (the kernel sources and images, sparse) is downloaded by fetch.sh.
#
# QEMU comes from bookworm-backports: bookworm's QEMU 7.2 oopses Debian's
# 7.3 kernel under TCG with -smp 2 in most boots; 10.0 does not.  A
# "pkg/suite" request takes only that package from the suite, not its
# dependencies, so QEMU's packages that must come from backports with it are
# named one by one; `apt-get -t bookworm-backports` instead would upgrade
# libelf1, which libelf-dev (bookworm) then cannot follow.
. "$(dirname "$0")/lib.sh"

# Build: kbuild and its host tools (pahole: Debian's config has
# DEBUG_INFO_BTF, which olddefconfig silently drops without it), sparse's
# and the helper's dependencies; the selftests link statically against
# libuuid (vfio library).  Test host: busybox, cpio, kmod, file.  Patched
# QEMU (static): ninja, glib and zlib, python3-venv for its configure; its
# meson (1.5 or newer) and pycotap come from bookworm-backports.  make
# bench's plot: gnuplot-nox.
PKGS="make gcc libc6-dev flex bison bc libelf-dev libssl-dev dwarves cpio kmod
xz-utils busybox-static ccache sparse clang perl patch git rsync file
python3 ca-certificates libnl-3-dev pkg-config uuid-dev clang-19 lld-19
llvm-19 ninja-build libglib2.0-dev zlib1g-dev python3-venv gnuplot-nox"
BPO=bookworm-backports
BPO_PKGS="qemu-system-x86 qemu-system-common qemu-system-data seabios"
QEMU_MIN=1:10
MESON_BPO_PKGS="meson python3-pycotap"
MESON_MIN=1.5
BPO_LIST=/etc/apt/sources.list.d/kvm-coco-reset-bookworm-backports.sources

supported() {
	local id version arch
	# shellcheck disable=SC1091
	id=$(. /etc/os-release && echo "$ID")
	# shellcheck disable=SC1091
	version=$(. /etc/os-release && echo "${VERSION_ID:-}")
	arch=$(dpkg --print-architecture)
	[ "$id" = debian ] && [ "$version" = 12 ] && [ "$arch" = amd64 ] ||
		die "this is $id ${version:-?} ($arch); the build and the test host are made for Debian 12 (bookworm) on amd64 (its packages and bookworm-backports' QEMU)"
}

missing() {
	local p
	for p in $PKGS; do
		dpkg -s "$p" >/dev/null 2>&1 || echo "$p"
	done
	if ! dpkg --compare-versions "$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null || echo 0)" \
		ge "$QEMU_MIN"; then
		for p in $BPO_PKGS; do
			echo "$p/$BPO"
		done
	fi
	if ! dpkg --compare-versions "$(dpkg-query -W -f '${Version}' meson 2>/dev/null || echo 0)" \
		ge "$MESON_MIN" || ! dpkg -s python3-pycotap >/dev/null 2>&1; then
		for p in $MESON_BPO_PKGS; do
			echo "$p/$BPO"
		done
	fi
}

install() {
	local want
	want=$(missing | tr '\n' ' ')
	[ -z "${want// /}" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages: $want (run as root or install them)"
	if ! grep -rqs "$BPO" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
			"Suites: $BPO" "Components: main" \
			"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$BPO_LIST"
	fi
	apt-get -q update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends $want
	want=$(missing | tr '\n' ' ')
	[ -z "${want// /}" ] || die "still missing after apt-get install: $want"
}

step host-deps-os supported
step host-deps install
