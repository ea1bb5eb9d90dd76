# shellcheck shell=bash
# Common helpers for the build and test scripts: named, timed steps.
set -euo pipefail

KCR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-coco-reset}
BUILD_DIR=${BUILD_DIR:-$CACHE_DIR/build}
KREL=7.3.4+deb13-amd64
# Debian's source of $KREL, unpacked, and its headers package's build tree.
DEBIAN_SRC=$CACHE_DIR/src/linux-7.3.4
DEBIAN_HDR=$CACHE_DIR/unpacked/linux-headers-$KREL/usr/src/linux-headers-$KREL
# The source the series applies to (a real host's own, or Debian's).
KSRC=${KSRC:-$DEBIAN_SRC}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# step NAME CMD...: run CMD under errexit, print its name and wall time;
# a failure ends the script with the failing step named.
KCR_STEP=
step() {
	local _t0
	KCR_STEP=$1
	shift
	_t0=$(date +%s)
	log "step $KCR_STEP: start"
	"$@"
	log "step $KCR_STEP: done in $(($(date +%s) - _t0)) s"
	KCR_STEP=
}
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$KCR_STEP" ] && log "step $KCR_STEP: FAILED ($rc)"; exit $rc' EXIT

# hash_of FILE...: one sha256 over the contents of the files, in order.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# prepare_kdir DIR "OPTION..." MAKEARG...: a build directory for $KREL from
# Debian's configuration, with the kconfig OPTIONs enabled, prepared for
# external modules with MAKEARGs (e.g. LLVM=-19) and Debian's Module.symvers;
# the kbuild host tools are compiled here from Debian's source.
prepare_kdir() {
	local dir=$1 options=$2 key opt
	shift 2
	key=$(echo "$options $* $(hash_of "$DEBIAN_SRC/.kcr-sha256" "$DEBIAN_HDR/.config" \
		"$DEBIAN_HDR/Module.symvers" "$KCR_ROOT/scripts/lib.sh")" | sha256sum | cut -c1-16)
	[ "$(cat "$dir/.kcr-key" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$DEBIAN_HDR/.config" "$dir/.config"
	for opt in $options; do
		"$DEBIAN_SRC/scripts/config" --file "$dir/.config" -e "$opt"
	done
	make -s -C "$DEBIAN_SRC" O="$dir" KERNELRELEASE="$KREL" "$@" olddefconfig
	for opt in $options; do
		grep -q "^CONFIG_$opt=y" "$dir/.config" || die "$dir: CONFIG_$opt did not stay enabled"
	done
	make -s -C "$DEBIAN_SRC" O="$dir" KERNELRELEASE="$KREL" -j"$(nproc)" "$@" modules_prepare
	cp "$DEBIAN_HDR/Module.symvers" "$dir/Module.symvers"
	echo "$key" >"$dir/.kcr-key"
}
