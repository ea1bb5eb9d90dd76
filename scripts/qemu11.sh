#!/bin/bash
# QEMU 11.1.3, Debian's trixie-backports binary, for the benchmark's
# comparison with QEMU 11's rebuild of the VM at each reset: installed in a
# trixie root made with mmdebstrap, then copied with its libraries and
# trixie's dynamic loader into $BUILD_DIR/selftests/q11, where the wrapper
# q11/qemu11 runs it in the busybox test host.
. "$(dirname "$0")/lib.sh"

VERSION=1:11.1.3+ds-1~bpo13+1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT=$CACHE_DIR/qemu11-root
OUT=$BUILD_DIR/selftests/q11
BIN=/usr/bin/qemu-system-x86_64

root() {
	[ "$(cat "$ROOT/.kcr-version" 2>/dev/null)" = "$VERSION" ] && return 0
	need_host_tool mmdebstrap mmdebstrap
	rm -rf "$ROOT"
	mmdebstrap --quiet --variant=minbase trixie "$ROOT" \
		"deb $MIRROR trixie main" "deb $MIRROR trixie-backports main"
	chroot "$ROOT" sh -c "apt-get -q update >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
			-t trixie-backports qemu-system-x86=$VERSION" >/dev/null
	echo "$VERSION" >"$ROOT/.kcr-version"
}

copy() {
	local lib
	rm -rf "$OUT"
	mkdir -p "$OUT/lib"
	strip -o "$OUT/qemu-system-x86_64" "$ROOT$BIN"
	for lib in $(chroot "$ROOT" ldd "$BIN" | awk '$3 ~ /^\// { print $3 }'); do
		cp -L "$ROOT$lib" "$OUT/lib/"
	done
	cp -L "$ROOT/lib64/ld-linux-x86-64.so.2" "$OUT/"
	printf '%s\n' '#!/bin/sh' '# QEMU 11.1.3 with the trixie libraries next to it.' \
		'd=$(dirname "$0")' \
		'exec "$d/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/qemu-system-x86_64" "$@"' \
		>"$OUT/qemu11"
	chmod +x "$OUT/qemu11"
	log "q11: $("$OUT/ld-linux-x86-64.so.2" --library-path "$OUT/lib" "$OUT/qemu-system-x86_64" --version | head -1), $(du -sh "$OUT" | cut -f1)"
}

step qemu11-root root
step qemu11-copy copy
