#!/bin/bash
# Build QEMU after each patch of user/qemu/patches, as configured by
# scripts/qemu.sh (which must have run): every patch builds on its own.
. "$(dirname "$0")/lib.sh"

QDIR=$BUILD_DIR/qemu
TREE=$QDIR/each-tree
export PATH=/usr/lib/ccache:$PATH

each() {
	local n=0 total sha
	[ -s "$QDIR/configure-args" ] || die "run scripts/qemu.sh (make qemu) first"
	rm -rf "$TREE" "$QDIR/each-build"
	"$KCR_ROOT/scripts/patch-tree.sh" qemu init "$TREE" 2>/dev/null
	# Debian's two build patches, as scripts/qemu.sh applies them.
	cp -a "$QDIR/debian" "$TREE/debian"
	total=$(git -C "$TREE" rev-list --count kcr-base..HEAD)
	for sha in $(git -C "$TREE" rev-list --reverse kcr-base..HEAD); do
		n=$((n + 1))
		git -C "$TREE" checkout -q "$sha"
		git -C "$TREE" reset -q --hard "$sha"
		for p in skip-unpack-edk2-blobs skip-install-dtb; do
			patch -s -d "$TREE" -p1 <"$TREE/debian/patches/$p.patch"
		done
		if [ ! -f "$QDIR/each-build/build.ninja" ]; then
			mkdir -p "$QDIR/each-build"
			(cd "$QDIR/each-build" && PKG_CONFIG_PATH="$QDIR/prefix/lib/pkgconfig" \
				"$TREE/configure" $(cat "$QDIR/configure-args") >configure.log) ||
				die "configure failed at patch $n"
		fi
		ninja -C "$QDIR/each-build" qemu-system-x86_64 >"$QDIR/each-build/ninja-$n.log" ||
			{ grep -E -A3 " error: |FAILED" "$QDIR/each-build/ninja-$n.log" | cut -c1-240 >&2
			  die "patch $n of $total ($(git -C "$TREE" log -1 --format=%s)) does not build"; }
		log "patch $n of $total builds: $(git -C "$TREE" log -1 --format=%s)"
	done
}

step qemu-each-patch each
