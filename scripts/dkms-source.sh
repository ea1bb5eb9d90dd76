#!/bin/bash
# dkms-source.sh: the DKMS source package, $DKMS_OUT/kvm-coco-reset-VERSION/
# and its tarball kvm-coco-reset-VERSION.tar.gz: dkms.conf with the version
# and the kernel series filled in, the series, Kbuild and the build script
# (scripts/dkms-build.sh with scripts/lib.sh).  VERSION is 0.N, N the number
# of commits on HEAD ($KCR_VERSION overrides it).
. "$(dirname "$0")/lib.sh"

DKMS_OUT=${DKMS_OUT:-$BUILD_DIR/dkms}
SERIES_DIR=$KCR_ROOT/kernel/kvm-coco-reset/patches

version() {
	if [ -n "${KCR_VERSION:-}" ]; then
		echo "$KCR_VERSION"
	else
		echo "0.$(git -C "$KCR_ROOT" rev-list --count HEAD)" ||
			die "no git history for the version: set KCR_VERSION"
	fi
}

make_source() {
	local ver dir base p
	ver=$(version)
	dir=$DKMS_OUT/kvm-coco-reset-$ver
	base=$(echo "$KREL" | cut -d. -f1,2)
	rm -rf "$dir" "$dir.tar.gz"
	mkdir -p "$dir/scripts" "$dir/patches"
	sed -e "s/@VERSION@/$ver/" -e "s/@KERNEL_REGEX@/^${base//./\\\\.}\\\\./" \
		"$KCR_ROOT/dkms/dkms.conf" >"$dir/dkms.conf"
	cp "$KCR_ROOT/Kbuild" "$dir/"
	cp "$KCR_ROOT/scripts/lib.sh" "$KCR_ROOT/scripts/dkms-build.sh" "$dir/scripts/"
	cp "$SERIES_DIR/series" "$dir/patches/"
	for p in $(grep -v -e '^#' -e '^$' "$SERIES_DIR/series"); do
		cp "$SERIES_DIR/$p" "$dir/patches/"
	done
	git -C "$KCR_ROOT" rev-parse HEAD >"$dir/COMMIT" 2>/dev/null || true
	tar -C "$DKMS_OUT" --owner=0 --group=0 -czf "$dir.tar.gz" "kvm-coco-reset-$ver"
	echo "$ver" >"$DKMS_OUT/VERSION"
	log "DKMS source: $dir ($dir.tar.gz)"
}

step dkms-source make_source
