#!/bin/bash
# Prepare KDIR: the build directory that Debian's linux-headers-$KREL
# package describes (its .config and Module.symvers), with the kbuild host
# tools compiled here from Debian's linux-source (the packaged tools are
# trixie binaries that need a newer glibc than this host has).
. "$(dirname "$0")/lib.sh"

UNPACK=$CACHE_DIR/unpacked
HDR=$DEBIAN_HDR
SRC=$DEBIAN_SRC
KDIR=$CACHE_DIR/kdir
TARBALL=$UNPACK/linux-source-7.3/usr/src/linux-source-7.3.tar.xz

unpack_source() {
	local want
	want=$(cat "$UNPACK/linux-source-7.3/.sha256")
	[ "$(cat "$SRC/.kcr-sha256" 2>/dev/null)" = "$want" ] && return 0
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -C "$SRC.tmp" --strip-components=1 -xf "$TARBALL"
	echo "$want" >"$SRC.tmp/.kcr-sha256"
	mv "$SRC.tmp" "$SRC"
}

# The prepared tree must describe the same kernel as Debian's headers: same
# release string and the same configuration apart from the options that
# kconfig derives from the toolchain (prepare_kdir checked that before it
# built anything; a KDIR from the cache is checked again here).
check_kdir() {
	cmp "$KDIR/include/generated/utsrelease.h" \
		"$HDR/include/generated/utsrelease.h" ||
		die "utsrelease.h differs from Debian's headers"
	check_config "$HDR/.config" "$KDIR/.config"
	diff <(grep '^CONFIG_' "$HDR/.config") <(grep '^CONFIG_' "$KDIR/.config") \
		>"$KDIR/config-vs-debian.diff" || true
	log "KDIR $KDIR: Debian's configuration; $(grep -c '^[<>]' "$KDIR/config-vs-debian.diff") toolchain-derived lines differ (config-vs-debian.diff)"
}

step unpack-source unpack_source
step prepare-kdir prepare_kdir "$KDIR" ""
step check-kdir check_kdir
