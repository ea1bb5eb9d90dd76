#!/bin/bash
# Patched QEMU for the test host: Debian's pinned QEMU 10.2.2 source with
# user/qemu/patches/series applied, configured for x86_64 with KVM only, linked
# statically with libkvmcocoreset (pkg-config); then the reboot firmware,
# the hook's test and its benchmark.  Everything lands in
# $BUILD_DIR/selftests/qemu.
. "$(dirname "$0")/lib.sh"

SRC=$CACHE_DIR/unpacked/src-qemu
DEBIAN_TAR=$(ls "$CACHE_DIR"/srcpkgs/qemu/qemu_*.debian.tar.xz)
QDIR=$BUILD_DIR/qemu
OUT=$BUILD_DIR/selftests/qemu
HDR=$BUILD_DIR/hdr/usr/include
KSELFTEST=$STAGE/tools/testing/selftests
PATCHES=$KCR_ROOT/user/qemu
REBOOTS=4
BENCH_REBOOTS=21
# ccache through its compiler links: QEMU's configure names the compiler,
# which keeps meson from adding ccache itself.
export PATH=/usr/lib/ccache:$PATH

# The source tree, made again when the source or a patch changes.
tree() {
	local key p
	key=$(cd "$PATCHES/patches" && cat "$SRC/.sha256" "$DEBIAN_TAR" series $(cat series) | sha256sum | cut -c1-16)
	[ "$(cat "$QDIR/src/.kcr-key" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$QDIR/src" "$QDIR/debian"
	cp -a "$SRC" "$QDIR/src"
	# Debian strips the firmware blobs from its source tarball; two of its
	# own patches keep meson from unpacking or installing them.
	tar -C "$QDIR" -xJf "$DEBIAN_TAR" debian/patches/skip-unpack-edk2-blobs.patch \
		debian/patches/skip-install-dtb.patch
	for p in skip-unpack-edk2-blobs skip-install-dtb; do
		patch -s -d "$QDIR/src" -p1 <"$QDIR/debian/patches/$p.patch" ||
			die "Debian's $p.patch does not apply"
	done
	while read -r p; do
		patch -s -d "$QDIR/src" -p1 <"$PATCHES/patches/$p" || die "$p does not apply"
	done <"$PATCHES/patches/series"
	echo "$key" >"$QDIR/src/.kcr-key"
}

# libkvmcocoreset, installed where QEMU's configure finds it.
library() {
	make -s -C "$KCR_ROOT/user/helper" O="$QDIR/helper" \
		PREFIX="$QDIR/prefix" LIBDIR="$QDIR/prefix/lib" install
}

CONFIGURE_ARGS="--python=/usr/bin/python3 --without-default-features
	--target-list=x86_64-softmmu --enable-kvm --disable-tcg --disable-docs
	--disable-debug-info --disable-fdt --disable-install-blobs --static
	--enable-kvmcocoreset --extra-cflags=-Werror"

# Meson reconfigures by itself when its files change; a new source tree
# needs a new build directory.
configure() {
	# scripts/qemu-each-patch.sh configures with the same arguments.
	echo "$CONFIGURE_ARGS" >"$QDIR/configure-args"
	[ -f "$QDIR/build/build.ninja" ] &&
		[ "$(cat "$QDIR/build/.kcr-key" 2>/dev/null)" = "$(cat "$QDIR/src/.kcr-key")" ] &&
		return 0
	rm -rf "$QDIR/build"
	mkdir -p "$QDIR/build"
	# shellcheck disable=SC2086
	(cd "$QDIR/build" &&
		PKG_CONFIG_PATH="$QDIR/prefix/lib/pkgconfig" ../src/configure \
			$CONFIGURE_ARGS >configure.log) ||
		{ tail -n 30 "$QDIR/build/configure.log" >&2; die "QEMU's configure failed"; }
	cp "$QDIR/src/.kcr-key" "$QDIR/build/.kcr-key"
}

build() {
	ninja -C "$QDIR/build" -j"$(nproc)" qemu-system-x86_64 >"$QDIR/ninja.log" ||
		{ grep -E -A3 " error: |FAILED" "$QDIR/ninja.log" | cut -c1-240 | head -n 40 >&2
		  die "QEMU did not build"; }
	mkdir -p "$OUT"
	strip -o "$OUT/qemu-system-x86_64" "$QDIR/build/qemu-system-x86_64"
	# -L: the ROMs the tests' machines load: kvmvapic (the APIC's); for
	# the Linux guest SeaBIOS and the option ROM that boots -kernel.
	cp /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot_dma.bin \
		/usr/share/seabios/bios-256k.bin "$OUT/"
}

# The test's firmware reboots 3 times, the benchmark's 20 (and once: not at
# all); the -cf9 ones never through a triple fault (Documentation/qemu-hook.md).
firmware() {
	local name reboots flags
	for name in reboot:$REBOOTS: reboot-cf9:$REBOOTS:-DCF9_ONLY \
		reboot-bench:$BENCH_REBOOTS:-DCF9_ONLY reboot-once:1:; do
		IFS=: read -r name reboots flags <<<"$name"
		# shellcheck disable=SC2086
		gcc -m32 -DREBOOTS="$reboots" $flags -c "$PATCHES/firmware/reboot.S" -o "$QDIR/$name.o"
		ld -m elf_i386 -e 0 -Ttext=0 --oformat binary -o "$OUT/$name.bin" "$QDIR/$name.o"
		[ "$(stat -c %s "$OUT/$name.bin")" = 65536 ] || die "$name.bin is not 64 KiB"
	done
}

# The Linux guest: the test host's own kernel and a one-program initramfs.
linux_guest() {
	local root
	root=$(mktemp -d)
	mkdir "$root/dev" "$root/proc"
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/init" "$PATCHES/firmware/linux-init.c"
	strip "$root/init"
	(cd "$root" && printf '%s\n' . dev proc init |
		cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$OUT/linux-init.cpio.gz"
	rm -rf "$root"
	cp "$CACHE_DIR/unpacked/linux-binary-$KREL/usr/lib/modules/$KREL/vmlinuz" "$OUT/vmlinuz"
}

# The tests and the benchmark, static like everything in the test host.
# shellcheck disable=SC2046
programs() {
	local prog reboots
	for prog in qemu_reset_test:$REBOOTS qemu_linux_test:0 qemu_reset_bench:$BENCH_REBOOTS; do
		reboots=${prog#*:} prog=${prog%:*}
		gcc -static -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -DREBOOTS="$reboots" \
			-I "$KCR_ROOT/user/helper/include" -I "$KSELFTEST" -isystem "$HDR" \
			-o "$OUT/$prog" "$PATCHES/tests/$prog.c" "$PATCHES/tests/runner.c" \
			"$QDIR/helper/libkvmcocoreset.a" $(pkg-config --static --libs libnl-3.0) -lpthread
	done
}

mkdir -p "$QDIR"
# make check builds QEMU in one lane and tests it in the other: one build at
# a time, the second finds everything done.
exec 9>"$QDIR/.lock"
flock 9
step qemu-tree tree
step qemu-library library
step qemu-configure configure
step qemu-build build
step qemu-firmware firmware
step qemu-linux-guest linux_guest
step qemu-programs programs
